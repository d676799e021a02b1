#include "meta/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "meta/metadata_store_contract.h"
#include "meta/postgres/connection.h"

namespace berth::meta::postgres {
namespace {

// The PostgreSQL that CTest starts for these tests (tests/postgres/start.sh, a fixture), named
// by the file in BERTH_TEST_POSTGRES_URI_FILE. Without it the tests fail: they never skip.
Result<std::string> TestServer() {
  const char* file = std::getenv("BERTH_TEST_POSTGRES_URI_FILE");
  if (file == nullptr) {
    return Fail(Code::kFailedPrecondition,
                "BERTH_TEST_POSTGRES_URI_FILE is not set: run these tests through ctest, which "
                "starts PostgreSQL for them");
  }
  std::ifstream in(file);
  std::string uri;
  if (!std::getline(in, uri) || uri.empty()) {
    return Fail(Code::kFailedPrecondition, std::string("no PostgreSQL URI in ") + file);
  }
  return uri;
}

// Each test's store lives in a schema of its own, named after its directory, so a test that
// reopens its store finds its rows and no two tests see each other's.
Result<std::unique_ptr<MetadataStore>> OpenInSchema(const std::string& dir) {
  BERTH_ASSIGN(std::string uri, TestServer());
  const std::string schema = "t" + std::to_string(std::hash<std::string>{}(dir));
  {
    BERTH_ASSIGN(std::unique_ptr<Connection> admin, Connection::Open(uri));
    BERTH_TRY(admin->Exec(("CREATE SCHEMA IF NOT EXISTS " + schema).c_str()));
  }
  return OpenPostgresStore(uri + (uri.find('?') == std::string::npos ? "?" : "&") +
                           "options=-csearch_path%3D" + schema);
}

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
