#include "meta/postgres/postgres_store.h"

#include <gtest/gtest.h>


#include "meta/metadata_store_contract.h"
#include "meta/postgres/connection.h"
#include "meta/postgres/test_server.h"

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

TEST(PostgresConnection, AnUnreachableServerIsUnavailable) {
  Result<std::unique_ptr<Connection>> conn =
      Connection::Open("postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(conn.has_value());
  EXPECT_EQ(conn.error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace berth::meta::postgres
