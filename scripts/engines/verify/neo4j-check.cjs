// Smoke check of the Neo4j started by scripts/engines/start.sh, with neo4j-driver 6.
// Run by scripts/engines/verify.sh from a scratch dir outside the repo (where the driver
// is installed). Env: NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD.
"use strict";
const neo4j = require("neo4j-driver");

async function main() {
  const url = process.env.NEO4J_URL || "bolt://127.0.0.1:7687";
  const user = process.env.NEO4J_USER || "neo4j";
  const password = process.env.NEO4J_PASSWORD || "";
  const auth = password ? neo4j.auth.basic(user, password) : undefined;
  const driver = neo4j.driver(url, auth, { connectionTimeout: 5000 });
  const t0 = Date.now();
  try {
    const info = await driver.getServerInfo({ database: "neo4j" });
    const db = { database: "neo4j", timeout: 10000 };
    const label = `Check${process.pid}`;
    await driver.executeQuery(
      `CREATE CONSTRAINT check_${process.pid}_id IF NOT EXISTS FOR (n:${label}) REQUIRE n.id IS UNIQUE`,
      {},
      db,
    );
    await driver.executeQuery(
      `CREATE (n:${label} {id: $id, name: $name})`,
      { id: "a", name: "first" },
      db,
    );
    let violated = false;
    try {
      await driver.executeQuery(`CREATE (n:${label} {id: $id})`, { id: "a" }, db);
    } catch (e) {
      violated = e.code === "Neo.ClientError.Schema.ConstraintValidationFailed";
      if (!violated) throw e;
    }
    if (!violated) throw new Error("uniqueness constraint was not enforced");
    const session = driver.session({ database: "neo4j", defaultAccessMode: neo4j.session.READ });
    let rows;
    try {
      rows = await session.executeRead(
        (tx) => tx.run(`MATCH (n:${label} {id: $id}) RETURN n.name AS name`, { id: "a" }),
        { timeout: 10000 },
      );
    } finally {
      await session.close();
    }
    const names = rows.records.map((r) => r.get("name"));
    if (names.length !== 1 || names[0] !== "first")
      throw new Error(`unexpected rows ${JSON.stringify(names)}`);
    const { records } = await driver.executeQuery(
      "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names",
      {},
      db,
    );
    if (!records[0].get("names").includes(`check_${process.pid}_id`))
      throw new Error("constraint not listed");
    await driver.executeQuery(`MATCH (n:${label}) DELETE n`, {}, db);
    await driver.executeQuery(`DROP CONSTRAINT check_${process.pid}_id`, {}, db);
    // wrong password must be refused when auth is on
    if (password) {
      const bad = neo4j.driver(url, neo4j.auth.basic(user, `${password}x`));
      try {
        await bad.getServerInfo({ database: "neo4j" });
        throw new Error("wrong password accepted");
      } catch (e) {
        if (e.code !== "Neo.ClientError.Security.Unauthorized") throw e;
      } finally {
        await bad.close();
      }
    }
    console.log(
      `neo4j ok: ${info.agent} protocol ${info.protocolVersion} at ${url}; node+constraint+query in ${Date.now() - t0} ms`,
    );
  } finally {
    await driver.close();
  }
}

main().catch((e) => {
  console.error("neo4j check FAILED:", e);
  process.exit(1);
});
