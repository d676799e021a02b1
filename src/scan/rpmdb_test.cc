#include "scan/rpmdb.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "scan/inventory.h"
#include "scan/match.h"
#include "scan/test_layers.h"

namespace berth::scan {
namespace {

void Put32(std::string& s, uint32_t v) {
  for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

// An RPM header blob with these string tags (and an epoch when given).
std::string Header(const std::map<uint32_t, std::string>& strings, std::optional<uint32_t> epoch = std::nullopt) {
  std::string index, data;
  uint32_t count = 0;
  for (const auto& [tag, value] : strings) {
    Put32(index, tag);
    Put32(index, 6);
    Put32(index, static_cast<uint32_t>(data.size()));
    Put32(index, 1);
    data += value;
    data.push_back('\0');
    ++count;
  }
  if (epoch) {
    while (data.size() % 4) data.push_back('\0');
    Put32(index, 1003);
    Put32(index, 4);
    Put32(index, static_cast<uint32_t>(data.size()));
    Put32(index, 1);
    Put32(data, *epoch);
    ++count;
  }
  std::string blob;
  Put32(blob, count);
  Put32(blob, static_cast<uint32_t>(data.size()));
  return blob + index + data;
}

std::string RpmSqlite(const std::vector<std::string>& blobs) {
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)", nullptr, nullptr, nullptr);
  for (const auto& b : blobs) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO Packages(blob) VALUES(?)", -1, &st, nullptr);
    sqlite3_bind_blob(st, 1, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_finalize(st);
  }
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0);
  std::string out(reinterpret_cast<char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);
  sqlite3_close(db);
  return out;
}

TEST(Rpm, HeadersAndTheSqliteDatabase) {
  auto openssl = Header({{1000, "openssl-libs"}, {1001, "3.0.7"}, {1002, "24.el9"}, {1022, "x86_64"},
                         {1044, "openssl-3.0.7-24.el9.src.rpm"}}, 1);
  auto p = ParseRpmHeader(openssl);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "openssl-libs");
  EXPECT_EQ(p->version, "1:3.0.7-24.el9");
  EXPECT_EQ(p->arch, "x86_64");
  EXPECT_EQ(p->source_name, "openssl");
  EXPECT_EQ(p->source_version, "1:3.0.7-24.el9");

  EXPECT_FALSE(ParseRpmHeader(Header({{1000, "gpg-pubkey"}, {1001, "fd431d51"}, {1002, "4ae0493b"}})).has_value());
  EXPECT_FALSE(ParseRpmHeader("").has_value());
  std::string truncated = openssl.substr(0, openssl.size() - 10);
  EXPECT_FALSE(ParseRpmHeader(truncated).has_value()) << "data shorter than it claims";
  std::string huge;
  Put32(huge, 0xffffffff);
  Put32(huge, 0xffffffff);
  EXPECT_FALSE(ParseRpmHeader(huge).has_value());
  std::string unterminated = Header({{1000, "bash"}, {1001, "5.1.8"}});
  unterminated.pop_back();  // the last string loses its NUL
  unterminated[7] = static_cast<char>(unterminated[7] - 1);
  auto u = ParseRpmHeader(unterminated);
  EXPECT_FALSE(u.has_value() && u->version == "5.1.8");

  auto bash = Header({{1000, "bash"}, {1001, "5.1.8"}, {1002, "6.el9_1"}, {1022, "x86_64"}, {1044, "bash-5.1.8-6.el9_1.src.rpm"}});
  auto db = ParseRpmSqlite(RpmSqlite({openssl, bash, "garbage"}));
  ASSERT_TRUE(db.has_value()) << db.error().message();
  ASSERT_EQ(db->size(), 2u);
  EXPECT_EQ((*db)[1].name, "bash");
  EXPECT_EQ((*db)[1].source_version, "5.1.8-6.el9_1");
  EXPECT_FALSE(ParseRpmSqlite("not a database at all, just bytes").has_value());
}

TEST(Rpm, ReadFromALayer) {
  auto bash = Header({{1000, "bash"}, {1001, "5.1.8"}, {1002, "6.el9_1"}, {1044, "bash-5.1.8-6.el9_1.src.rpm"}});
  auto layer = MakeLayer({{"etc/os-release", "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n"},
                          {"usr/lib/sysimage/rpm/rpmdb.sqlite", RpmSqlite({bash})}});
  auto summary = SummarizeLayerBytes(layer, {}, {});
  ASSERT_TRUE(summary.has_value());
  Inventory inv = BuildInventory({{"sha256:base", &*summary}});
  EXPECT_EQ(inv.os.id, "rocky");
  ASSERT_EQ(inv.packages.size(), 1u);
  EXPECT_EQ(inv.packages[0].type, PackageType::kRpm);
  EXPECT_EQ(inv.packages[0].version, "5.1.8-6.el9_1");
  EXPECT_EQ(inv.packages[0].layer, "sha256:base");
}

TEST(Rpm, MatchedAgainstRockyAdvisories) {
  AdvisoryIndex index;
  index.Add(*ParseOsv(R"({"id":"RLSA-2024:1","affected":[{"package":{"ecosystem":"Rocky Linux:9","name":"openssl"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-25.el9_3"}]}]}]})"));
  Inventory inv;
  inv.os = {"rocky", "9.3", "Rocky Linux 9.3", ""};
  inv.packages = {*ParseRpmHeader(Header({{1000, "openssl-libs"}, {1001, "3.0.7"}, {1002, "24.el9"},
                                          {1044, "openssl-3.0.7-24.el9.src.rpm"}}, 1))};
  auto findings = Match(inv, index);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].fixed_version, "1:3.0.7-25.el9_3");
}

}  // namespace
}  // namespace berth::scan
