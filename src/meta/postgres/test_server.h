// meta/postgres/test_server.h
//
// For tests only: the PostgreSQL that CTest starts for them, and a store in a schema of the
// test's own.
#pragma once

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "meta/postgres/connection.h"
#include "meta/postgres/postgres_store.h"

namespace berth::meta::postgres {

// The PostgreSQL that CTest starts for these tests (tests/postgres/start.sh, a fixture), named
// by the file in BERTH_TEST_POSTGRES_URI_FILE. Without it the tests fail: they never skip.
inline Result<std::string> TestServer() {
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
// reopens its store finds its rows and no two tests see each other's. The URI of that schema:
inline Result<std::string> SchemaUri(const std::string& dir) {
  BERTH_ASSIGN(std::string uri, TestServer());
  const std::string schema = "t" + std::to_string(std::hash<std::string>{}(dir));
  {
    BERTH_ASSIGN(std::unique_ptr<Connection> admin, Connection::Open(uri));
    BERTH_TRY(admin->Exec(("CREATE SCHEMA IF NOT EXISTS " + schema).c_str()));
  }
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
}

inline Result<std::unique_ptr<MetadataStore>> OpenInSchema(const std::string& dir) {
  BERTH_ASSIGN(std::string uri, SchemaUri(dir));
  return OpenPostgresStore(uri);
}

}  // namespace berth::meta::postgres
