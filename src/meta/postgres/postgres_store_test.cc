#include "meta/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "meta/metadata_store_contract.h"
#include "meta/postgres/connection.h"
#include "meta/postgres/schema.h"
#include "meta/postgres/test_server.h"
#include "meta/write_timings.h"

namespace berth::meta::postgres {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, MetadataStoreContract,
                         ::testing::Values(StoreOpener{"postgres", OpenInSchema}), PrintStoreName);

TEST(PostgresPlaceholders, QuestionMarksOutsideQuotesAreNumbered) {
  int params = 0;
  EXPECT_EQ(NumberPlaceholders("SELECT a FROM t WHERE b=? AND c='?' AND d=?", params),
            "SELECT a FROM t WHERE b=$1 AND c='?' AND d=$2");
  EXPECT_EQ(params, 2);
}

TEST(PostgresMigrations, ANewerSchemaIsRefusedUntouched) {
  Result<std::string> uri = TestServer();
  ASSERT_TRUE(uri.has_value()) << uri.error().message();
  {
    std::unique_ptr<Connection> admin = *Connection::Open(*uri);
    ASSERT_TRUE(admin->Exec("CREATE SCHEMA IF NOT EXISTS newer_schema; "
                            "CREATE TABLE IF NOT EXISTS newer_schema.berth_schema(version INT NOT NULL); "
                            "INSERT INTO newer_schema.berth_schema VALUES (999)").has_value());
  }
  Result<std::unique_ptr<MetadataStore>> store =
      OpenPostgresStore(*uri + "?options=-csearch_path%3Dnewer_schema");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("newer Berth (schema version 999"), std::string::npos)
      << store.error().message();
}

// Schema version 9 kept pull times in a column of manifests; version 10 moves them.
TEST(PostgresMigrations, PullTimesMoveToTheirOwnTableAndStayReadable) {
  Result<std::string> uri = SchemaUri("pull-times-" + std::to_string(::getpid()));
  ASSERT_TRUE(uri.has_value()) << uri.error().message();
  const std::string pulled(64, 'a'), never(64, 'b');
  {
    std::unique_ptr<Connection> old = *Connection::Open(*uri);
    std::string sql = "CREATE TABLE berth_schema(version INT NOT NULL); INSERT INTO berth_schema VALUES (9);";
    for (size_t i = 0; i < 9; ++i) sql += std::string(kMigrations[i].sql) + ";\n";
    sql += "INSERT INTO repositories(id, name, created_at) VALUES(3, 'r', 1);"
           "INSERT INTO manifests(id, repo_id, digest, media_type, artifact_type, annotations, payload, size, "
           "pushed_at, last_pulled_at) VALUES(5, 3, 'sha256:" + pulled + "', 'm', '', '', '\\x7b7d', 2, 10, 1234),"
           "(6, 3, 'sha256:" + never + "', 'm', '', '', '\\x7b7d', 2, 10, NULL);";
    ASSERT_TRUE(old->Exec(sql.c_str()).has_value());
  }
  Result<std::unique_ptr<MetadataStore>> store = OpenPostgresStore(*uri);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  ExpectPullTimesKeptByTheMove(**store, pulled, never);
  std::unique_ptr<Connection> check = *Connection::Open(*uri);
  Statement column = *check->Prepare(
      "SELECT count(*) FROM information_schema.columns WHERE table_schema=current_schema() "
      "AND table_name='manifests' AND column_name='last_pulled_at'");
  ASSERT_TRUE(column.Step().value_or(false));
  EXPECT_EQ(column.Int(0), 0);
}

// Other nodes trust a lease's row, so a renewal is a change: on disk when TryLease returns.
TEST(PostgresLeases, ARenewalIsADurableChange) {
  Result<std::string> uri = SchemaUri("lease-kind-" + std::to_string(::getpid()));
  ASSERT_TRUE(uri.has_value()) << uri.error().message();
  std::unique_ptr<MetadataStore> store = *OpenPostgresStore(*uri);
  const uint64_t changes = WriteCommits(WriteKind::kChange).Read().count;
  const uint64_t background = WriteCommits(WriteKind::kBackground).Read().count;
  ASSERT_TRUE(*store->TryLease("gc", "node-a", 100, 30));
  ASSERT_TRUE(*store->TryLease("gc", "node-a", 110, 30));
  EXPECT_EQ(WriteCommits(WriteKind::kChange).Read().count, changes + 2);
  EXPECT_EQ(WriteCommits(WriteKind::kBackground).Read().count, background);
}

// Nodes of a cluster share the server's max_connections: a burst of requests on one node waits
// for the node's own connections instead of opening one per thread.
TEST(PostgresPool, ABurstStaysWithinTheConnectionBound) {
  Result<std::string> uri = SchemaUri("pool-bound");
  ASSERT_TRUE(uri.has_value()) << uri.error().message();
  const std::string app = "berth_pool_bound_" + std::to_string(::getpid());
  Result<std::unique_ptr<MetadataStore>> store =
      OpenPostgresStore(*uri + "&application_name=" + app, nullptr, 3);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  std::unique_ptr<Connection> observer = *Connection::Open(*TestServer());

  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        bool ok = (i + t) % 4 == 0 ? (*store)->PutSetting("BLOB_MOUNTING", "ENABLED").has_value()
                                   : (*store)->GetSetting("BLOB_MOUNTING").has_value();
        if (!ok) ++failures;
      }
    });
  }
  int64_t most_seen = 0;
  std::thread sampler([&] {
    while (!done) {
      Statement st = *observer->Prepare("SELECT count(*) FROM pg_stat_activity WHERE application_name=?");
      st.Bind(1, app);
      if (st.Step().value_or(false)) most_seen = std::max(most_seen, st.Int(0));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (std::thread& t : threads) t.join();
  done = true;
  sampler.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GE(most_seen, 1);
  EXPECT_LE(most_seen, 3);
}

TEST(PostgresConnection, AnUnreachableServerIsUnavailable) {
  Result<std::unique_ptr<Connection>> conn =
      Connection::Open("postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(conn.has_value());
  EXPECT_EQ(conn.error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace berth::meta::postgres
