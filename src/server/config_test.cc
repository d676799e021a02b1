#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace berth::server {
namespace {

TEST(Config, DefaultsAreTheEmbeddedSetup) {
  Config c = *ParseServeArgs({});
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 5000);
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_FALSE(c.anonymous);
}

TEST(Config, ParsesFlagsInBothForms) {
  Config c = *ParseServeArgs({"--listen", "0.0.0.0:8080", "--data=/srv/berth", "--anonymous",
                              "--upload-idle-timeout", "60", "--no-delete", "--drain-timeout=5"});
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.data_dir, "/srv/berth");
  EXPECT_TRUE(c.anonymous);
  EXPECT_FALSE(c.delete_enabled);
  EXPECT_EQ(c.upload_idle_timeout.count(), 60);
  EXPECT_EQ(c.drain_timeout.count(), 5);
}

TEST(Config, AuthModeAndTheAuditTrail) {
  Config c = *ParseServeArgs({});
  EXPECT_FALSE(c.bearer);
  EXPECT_TRUE(c.audit);
  c = *ParseServeArgs({"--auth-mode", "bearer", "--no-audit", "--audit-file-bytes=1048576"});
  EXPECT_TRUE(c.bearer);
  EXPECT_FALSE(c.audit);
  EXPECT_EQ(c.audit_file_bytes, 1048576u);
  EXPECT_NE(ParseServeArgs({"--auth-mode", "token"}).error().message().find("--auth-mode"), std::string::npos);
  EXPECT_FALSE(ParseServeArgs({"--audit-file-bytes", "10"}));
}

TEST(Config, LifecycleAndCollectionDurations) {
  Config c = *ParseServeArgs({});
  EXPECT_EQ(c.lifecycle_interval.count(), 86400);
  EXPECT_EQ(c.gc_grace.count(), 3600);
  c = *ParseServeArgs({"--lifecycle-interval", "2s", "--gc-interval=5m", "--gc-grace", "0"});
  EXPECT_EQ(c.lifecycle_interval.count(), 2);
  EXPECT_EQ(c.gc_interval.count(), 300);
  EXPECT_EQ(c.gc_grace.count(), 0);
  EXPECT_EQ(ParseServeArgs({"--gc-grace", "2d"})->gc_grace.count(), 172800);
  EXPECT_EQ(c.cache_size, uint64_t{256} << 20);
  EXPECT_EQ(ParseServeArgs({"--cache-size", "1G"})->cache_size, uint64_t{1} << 30);
  EXPECT_EQ(ParseServeArgs({"--cache-size", "512MiB"})->cache_size, uint64_t{512} << 20);
  EXPECT_EQ(ParseServeArgs({"--cache-size", "0"})->cache_size, 0u);
  EXPECT_EQ(ParseServeArgs({"--cache-size", "4096"})->cache_size, 4096u);
  for (const char* bad : {"", "M", "-1", "1T", "2048G", "12X", "1.5G", "99999999999999999999"}) {
    EXPECT_FALSE(ParseServeArgs({"--cache-size", bad}).has_value()) << bad;
  }
  EXPECT_EQ(ParseServeArgs({"--gc-interval", "1h"})->gc_interval.count(), 3600);
  EXPECT_EQ(ParseServeArgs({"--archive-dir", "/srv/cold"})->archive_dir, "/srv/cold");
  EXPECT_EQ(ParseServeArgs({})->meta_connections, 16u);
  EXPECT_EQ(ParseServeArgs({"--meta-connections", "40"})->meta_connections, 40u);
  EXPECT_FALSE(ParseServeArgs({"--meta-connections", "0"}));
  EXPECT_FALSE(ParseServeArgs({"--meta-connections", "1001"}));
  EXPECT_FALSE(ParseServeArgs({"--archive-dir", "/srv/cold", "--blobs", "s3://b"}));
  for (const char* bad : {"0", "5x", "", "m", "-1s", "99999999999999999999", "31d"}) {
    Result<Config> r = ParseServeArgs({"--lifecycle-interval", bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("--lifecycle-interval"), std::string::npos);
  }
}

TEST(Config, RejectsNonsenseWithTheFlagNamed) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--listen", "nope"}, {"--listen", "a:99999"}, {"--bogus", "1"},
        {"--data"}, {"--tls-cert", "x"}, {"--log-level", "loud"}, {"--upload-idle-timeout", "0"}, {"--drain-timeout", "-1"},
        {"stray"}, {"--account-id", "12345"}, {"--region", "US East"}, {"--external-url", "ftp://x"}}) {
    Result<Config> c = ParseServeArgs(bad);
    ASSERT_FALSE(c.has_value()) << bad[0];
    EXPECT_FALSE(c.error().message().empty());
  }
}

TEST(Config, FlagsOverrideTheConfigFile) {
  std::string path = "/tmp/berth-config-test-" + std::to_string(getpid());
  std::ofstream(path) << "# comment\nlisten = 127.0.0.1:6000\ndata = /var/lib/berth\nanonymous\n";
  Config c = *ParseServeArgs({"--config", path, "--listen", "127.0.0.1:7000"});
  EXPECT_EQ(c.listen_port, 7000);
  EXPECT_EQ(c.data_dir, "/var/lib/berth");
  EXPECT_TRUE(c.anonymous);
  std::ofstream(path) << "nonsense = 1\n";
  EXPECT_NE(ParseServeArgs({"--config", path}).error().message().find(":1:"), std::string::npos);
  unlink(path.c_str());
}

}  // namespace
TEST(Config, MetaSelectsPostgresByUri) {
  Result<Config> c = ParseServeArgs({"--meta", "postgres://u:p@127.0.0.1:5432/berth"});
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->meta_uri, "postgres://u:p@127.0.0.1:5432/berth");
  EXPECT_TRUE(ParseServeArgs({})->meta_uri.empty());
  Result<Config> bad = ParseServeArgs({"--meta", "mysql://x"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("--meta"), std::string::npos);
}

TEST(Config, BlobsSelectS3AndTheFileMayHoldItsKeys) {
  const std::string path = "/tmp/berth-config-test-s3-" + std::to_string(getpid());
  std::ofstream(path) << "blobs = s3://reg-blobs/prod\nblob-redirect\nAWS_ACCESS_KEY_ID = AK\n"
                         "AWS_SECRET_ACCESS_KEY = secret\nAWS_ENDPOINT_URL_S3 = http://127.0.0.1:9000\n";
  Result<Config> c = ParseServeArgs({"--config", path});
  std::remove(path.c_str());
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->blobs_uri, "s3://reg-blobs/prod");
  EXPECT_TRUE(c->blob_redirect);
  EXPECT_EQ(c->aws.at("AWS_ACCESS_KEY_ID"), "AK");
  EXPECT_EQ(c->aws.at("AWS_ENDPOINT_URL_S3"), "http://127.0.0.1:9000");
  EXPECT_FALSE(ParseServeArgs({"--blobs", "/var/lib/blobs"}).has_value());
  // Secrets belong in the file or the environment, not on a command line that ps shows.
  EXPECT_FALSE(ParseServeArgs({"--AWS_SECRET_ACCESS_KEY", "x"}).has_value());
}

TEST(Config, PeersAndWebhooksRepeatAcrossTheFileAndTheFlags) {
  const std::string path = "/tmp/berth-config-test-peers-" + std::to_string(getpid());
  std::ofstream(path) << "peer = us-west-2/222222222222=https://west.example:5000/\n"
                         "event-webhook = https://hooks.example/berth\n";
  Result<Config> c = ParseServeArgs({"--config", path, "--peer=eu-west-1/333333333333=http://127.0.0.1:5001",
                                     "--event-webhook", "http://127.0.0.1:9/x", "--replication-interval", "5s"});
  std::remove(path.c_str());
  ASSERT_TRUE(c.has_value()) << c.error().message();
  ASSERT_EQ(c->peers.size(), 2u);
  EXPECT_EQ(c->peers[0].region, "us-west-2");
  EXPECT_EQ(c->peers[0].registry_id, "222222222222");
  EXPECT_EQ(c->peers[0].url, "https://west.example:5000");
  EXPECT_EQ(c->peers[1].url, "http://127.0.0.1:5001");
  EXPECT_EQ(c->event_webhooks, (std::vector<std::string>{"https://hooks.example/berth", "http://127.0.0.1:9/x"}));
  EXPECT_EQ(c->replication_interval.count(), 5);
  for (const char* bad : {"us-west-2=http://x", "us-west-2/12345=http://x", "US/222222222222=http://x",
                          "us-west-2/222222222222=ftp://x", "us-west-2/222222222222"}) {
    EXPECT_FALSE(ParseServeArgs({"--peer", bad}).has_value()) << bad;
  }
  EXPECT_FALSE(ParseServeArgs({"--peer", "a1/222222222222=http://x", "--peer", "a1/222222222222=http://y"}).has_value());
  EXPECT_FALSE(ParseServeArgs({"--event-webhook", "hooks.example"}).has_value());
}

}  // namespace berth::server
