import { AssignerProtocol, type PartitionAssigner } from "kafkajs";

/** The protocol name of {@link fixedAssigner} in JoinGroup requests. */
export const fixedAssignerName = "RagplaneFixedAssigner";

/**
 * A partition assigner for a reader's own single-member group: every member is given
 * exactly `partitions` of `topic`. kafkajs has no manual partition assignment, so a read
 * of one partition (or of all) is a group that assigns itself just those.
 */
export function fixedAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  const userData = Buffer.alloc(0);
  return () => ({
    name: fixedAssignerName,
    version: 1,
    async assign({ members }) {
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: { [topic]: [...partitions] },
          userData,
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: fixedAssignerName,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData }),
      };
    },
  });
}
