#include "config/config.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

TEST(ConfigTest, NoFileGivesTheFiveDefaultInboxesUnderTheWorkingDirectory) {
  auto config = LoadConfig(std::nullopt);
  ASSERT_TRUE(config) << Describe(config.error().front());
  const fs::path data = fs::current_path() / "intake-data";
  EXPECT_EQ(config->data_dir, data);
  EXPECT_EQ(config->store_path, data / "intake.sqlite");
  EXPECT_EQ(config->archive_dir, data / "archive");
  ASSERT_EQ(config->inboxes.size(), 5u);
  struct Expected {
    const char* path;
    Channel channel;
    std::optional<std::string> line;
  };
  const Expected expected[] = {{"inbox/fax/records", Channel::kFax, "records"},
                               {"inbox/fax/imaging", Channel::kFax, "imaging"},
                               {"inbox/fax/verbal", Channel::kFax, "verbal"},
                               {"inbox/email", Channel::kEmail, std::nullopt},
                               {"inbox/scan", Channel::kScan, std::nullopt}};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(config->inboxes[i].path, data / expected[i].path);
    EXPECT_EQ(config->inboxes[i].channel, expected[i].channel);
    EXPECT_EQ(config->inboxes[i].fax_line, expected[i].line);
  }
  EXPECT_EQ(config->watch.settle, std::chrono::milliseconds(2000));
  EXPECT_EQ(config->limits.max_pages, 200);
}

TEST(ConfigTest, ExampleFileLoadsToTheSameValuesAsTheDefaults) {
  TempDir dir;
  WriteFile(dir.path() / "intake.toml", std::string(ExampleConfig()));
  auto from_file = LoadConfig(dir.path() / "intake.toml");
  auto defaults = LoadConfig(std::nullopt);
  ASSERT_TRUE(from_file);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(from_file->data_dir, dir.path() / "intake-data");
  EXPECT_EQ(from_file->inboxes.size(), defaults->inboxes.size());
  EXPECT_EQ(from_file->limits.max_bytes, defaults->limits.max_bytes);
  EXPECT_EQ(from_file->ocr.languages, defaults->ocr.languages);
  EXPECT_EQ(from_file->once_wait, defaults->once_wait);
}

TEST(ConfigTest, RelativePathsAreResolvedAgainstTheFileFolderAndInboxesAgainstDataDir) {
  TempDir dir;
  WriteFile(dir.path() / "etc/intake.toml", R"(
data_dir = "../var"
[[inbox]]
name = "lab"
path = "/srv/fax/lab"
channel = "fax"
line = "records"
[[inbox]]
name = "mail"
path = "mail"
channel = "email"
)");
  auto config = LoadConfig(dir.path() / "etc/intake.toml");
  ASSERT_TRUE(config) << Describe(config.error().front());
  EXPECT_EQ(config->data_dir, dir.path() / "var");
  ASSERT_EQ(config->inboxes.size(), 2u) << "listing inboxes replaces the defaults";
  EXPECT_EQ(config->inboxes[0].path, fs::path("/srv/fax/lab"));
  EXPECT_EQ(config->inboxes[1].path, dir.path() / "var/mail");
}

TEST(ConfigTest, EveryErrorIsReportedAtOnceWithFileKeyAndReason) {
  TempDir dir;
  const fs::path file = dir.path() / "bad.toml";
  WriteFile(file, R"(
workers = "two"
log_levl = "info"
max_attempts = 0
listen = "localhost"
[watch]
settle_seconds = -1
[limits]
max_pages = 1.5
[[inbox]]
name = "a"
path = "x"
channel = "fax"
[[inbox]]
name = "a"
path = "y"
channel = "pigeon"
[[inbox]]
name = "c"
path = "z"
channel = "email"
line = "records"
)");
  auto config = LoadConfig(file);
  ASSERT_FALSE(config);
  std::map<std::string, std::string> by_key;
  for (const ConfigError& e : config.error()) {
    EXPECT_EQ(e.file, file.string());
    by_key[e.key] = e.why;
  }
  EXPECT_EQ(by_key["workers"], "must be a whole number");
  EXPECT_EQ(by_key["log_levl"], "unknown key");
  EXPECT_NE(by_key["max_attempts"].find("between 1 and 100"), std::string::npos);
  EXPECT_NE(by_key["listen"].find("HOST:PORT"), std::string::npos);
  EXPECT_NE(by_key["watch.settle_seconds"].find("between"), std::string::npos);
  EXPECT_EQ(by_key["limits.max_pages"], "must be a whole number");
  EXPECT_NE(by_key["inbox[0].line"].find("required for a fax inbox"), std::string::npos);
  EXPECT_NE(by_key["inbox[1].name"].find("used by another inbox"), std::string::npos);
  EXPECT_EQ(by_key["inbox[1].channel"], "must be fax, email or scan");
  EXPECT_EQ(by_key["inbox[2].line"], "only a fax inbox has a line");
  EXPECT_EQ(config.error().size(), 10u);
}

TEST(ConfigTest, SyntaxErrorNamesTheLine) {
  TempDir dir;
  WriteFile(dir.path() / "broken.toml", "workers = 2\n[watch\nsettle_seconds = 1\n");
  auto config = LoadConfig(dir.path() / "broken.toml");
  ASSERT_FALSE(config);
  ASSERT_EQ(config.error().size(), 1u);
  EXPECT_NE(config.error()[0].why.find("line 2"), std::string::npos) << config.error()[0].why;
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto config = LoadConfig(fs::path("/nonexistent/intake.toml"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error()[0].why.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace intake
