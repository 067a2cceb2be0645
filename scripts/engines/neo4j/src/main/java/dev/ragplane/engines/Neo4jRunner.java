package dev.ragplane.engines;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Neo4j Community 5.26 embedded with the Bolt connector, for ragplane's real-engine tests.
 *
 * <p>Configured through the environment (scripts/engines/start.sh sets it):
 *
 * <ul>
 *   <li>NEO4J_HOME_DIR (required): home directory.
 *   <li>NEO4J_DATA_DIR (HOME/data): stores and transaction logs.
 *   <li>NEO4J_LOGS_DIR (HOME/logs): debug.log.
 *   <li>NEO4J_BOLT_HOST (127.0.0.1), NEO4J_BOLT_PORT (7687): the only listening socket.
 *   <li>NEO4J_PASSWORD: password of the user {@code neo4j}; authentication is enabled when it
 *       is set (at least 8 characters), disabled when it is empty or unset.
 *   <li>NEO4J_PAGECACHE (64m): page cache size (the default would take half the RAM).
 * </ul>
 *
 * <p>Prints {@code ragplane-neo4j ready bolt://HOST:PORT} once {@code RETURN 1} has run on the
 * {@code neo4j} database. SIGTERM (or SIGINT) shuts the DBMS down cleanly through a shutdown
 * hook.
 */
public final class Neo4jRunner {
  private Neo4jRunner() {}

  public static void main(String[] args) {
    try {
      run();
    } catch (Throwable t) {
      // Neo4j's non-daemon threads would keep a failed JVM alive: exit (runs the hook).
      System.err.println("ragplane-neo4j error: startup failed");
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void run() throws Exception {
    long t0 = System.nanoTime();
    String homeDir = env("NEO4J_HOME_DIR", null);
    if (homeDir == null || homeDir.isBlank()) {
      fail("NEO4J_HOME_DIR is not set");
    }
    String host = env("NEO4J_BOLT_HOST", "127.0.0.1");
    int port = Integer.parseInt(env("NEO4J_BOLT_PORT", "7687"));
    String password = env("NEO4J_PASSWORD", "");
    long pagecache = parseBytes(env("NEO4J_PAGECACHE", "64m"));
    boolean auth = !password.isEmpty();
    if (auth && password.length() < 8) {
      fail("NEO4J_PASSWORD must have at least 8 characters (Neo4j's minimum)");
    }

    Path home = Path.of(homeDir).toAbsolutePath();
    Path data = Path.of(env("NEO4J_DATA_DIR", home.resolve("data").toString())).toAbsolutePath();
    Path logs = Path.of(env("NEO4J_LOGS_DIR", home.resolve("logs").toString())).toAbsolutePath();

    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(home)
            .setConfig(GraphDatabaseSettings.data_directory, data)
            .setConfig(GraphDatabaseSettings.logs_directory, logs)
            .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(host))
            .setConfig(GraphDatabaseSettings.default_advertised_address, new SocketAddress(host))
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
            .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
            // the Bolt server otherwise waits 5 s + 5 s at shutdown, after the stores are closed
            .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
            .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
            .setConfig(GraphDatabaseSettings.routing_enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, auth)
            .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
            .setConfig(GraphDatabaseSettings.pagecache_warmup_enabled, false)
            .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
            .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
            .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
            .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024)
            .setConfig(GraphDatabaseSettings.udc_enabled, false)
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("ragplane-neo4j stopping");
                  try {
                    dbms.shutdown();
                  } finally {
                    System.out.println("ragplane-neo4j stopped");
                    System.out.flush();
                    stopped.countDown();
                  }
                },
                "ragplane-neo4j-shutdown"));

    if (auth) {
      setPassword(dbms, password);
    }

    GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    if (!db.isAvailable(Duration.ofSeconds(60).toMillis())) {
      fail("database neo4j did not become available");
    }
    Object one = db.executeTransactionally("RETURN 1 AS one", Map.of(), r -> r.next().get("one"));
    if (!Long.valueOf(1L).equals(one)) {
      fail("RETURN 1 returned " + one);
    }
    System.out.printf(
        Locale.ROOT,
        "ragplane-neo4j ready bolt://%s:%d auth=%s pagecache=%d startup_ms=%d%n",
        host,
        port,
        auth,
        pagecache,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    System.out.flush();
    stopped.await();
  }

  /** Sets the password of the built-in user neo4j (and clears "change required"). */
  private static void setPassword(DatabaseManagementService dbms, String password) {
    GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
    try {
      system.executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
          Map.of("password", password));
    } catch (RuntimeException e) {
      // Restarted on an existing store with the same password: nothing to change.
      String msg = String.valueOf(e.getMessage());
      if (!msg.contains("cannot be the same")) {
        throw e;
      }
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null ? fallback : v;
  }

  /** "64m", "1g", "512k" or a plain number of bytes. */
  static long parseBytes(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    long mult = 1;
    char last = v.charAt(v.length() - 1);
    if (last == 'k' || last == 'm' || last == 'g') {
      mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
      v = v.substring(0, v.length() - 1);
    }
    return Long.parseLong(v) * mult;
  }

  private static void fail(String message) {
    System.err.println("ragplane-neo4j error: " + message);
    System.exit(2);
  }
}
