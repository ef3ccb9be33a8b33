#include "config/config.h"

#include <set>
#include <sstream>
#include <tuple>

#include <toml++/toml.h>

namespace intake {
namespace {

namespace fs = std::filesystem;

// Reads one TOML table into a Config, collecting every problem. Each key is
// read at most once; whatever was not read is reported as unknown, so a typo
// never silently falls back to a default.
class Reader {
 public:
  Reader(std::string file, std::vector<ConfigError>& errors) : file_(std::move(file)), errors_(errors) {}

  void Error(const std::string& key, std::string why) { errors_.push_back({file_, key, std::move(why)}); }

  template <class T>
  void Read(const toml::table& table, const std::string& prefix, const char* key, T& out) {
    seen_.insert(prefix + key);
    const toml::node* node = table.get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, double>) {
      if (auto v = node->value<double>()) { out = *v; return; }
      Error(prefix + key, "must be a number");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (auto v = node->value_exact<bool>()) { out = *v; return; }
      Error(prefix + key, "must be true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (auto v = node->value_exact<int64_t>()) { out = static_cast<T>(*v); return; }
      Error(prefix + key, "must be a whole number");
    } else {
      if (auto v = node->value_exact<std::string>()) { out = *v; return; }
      Error(prefix + key, "must be a string");
    }
  }

  void Seen(const std::string& key) { seen_.insert(key); }

  void ReportUnknown(const toml::table& table, const std::string& prefix) {
    for (const auto& [key, node] : table) {
      const std::string full = prefix + std::string(key.str());
      if (seen_.count(full)) continue;
      if (node.is_table() && seen_.count(full + ".")) continue;
      Error(full, "unknown key");
    }
  }

 private:
  std::string file_;
  std::vector<ConfigError>& errors_;
  std::set<std::string> seen_;
};

template <class T>
void Range(Reader& r, const std::string& key, T value, T low, T high) {
  if (value < low || value > high) {
    std::ostringstream why;
    why << "must be between " << low << " and " << high << " (is " << value << ")";
    r.Error(key, why.str());
  }
}

std::chrono::milliseconds Seconds(double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); }

struct Raw {
  std::string data_dir, store, archive, log_level, listen;
  int workers = 0, max_attempts = 0;
  double min_field_confidence = 0;
  double rescan = 0, settle = 0, scan_quiet = 0, poll = 0, once_wait = 0;
  int64_t max_file_mib = 0, max_pages = 0, max_page_mp = 0, max_file_mp = 0;
  double pdf_dpi = 0, max_skew = 0;
  bool detect_orientation = true, despeckle = true;
  int speck = 0;
  std::string languages, tessdata_dir;
  struct Inbox {
    std::string name, path, channel, line;
  };
  std::vector<Inbox> inboxes;
  bool inboxes_given = false;
  double idle_minutes = 0, lockout_minutes = 0;
  int max_failed_logins = 0;
  std::string tls_cert, tls_key;
};

void ReadTable(const toml::table& t, Reader& r, Raw& raw) {
  r.Read(t, "", "data_dir", raw.data_dir);
  r.Read(t, "", "store", raw.store);
  r.Read(t, "", "archive", raw.archive);
  r.Read(t, "", "workers", raw.workers);
  r.Read(t, "", "max_attempts", raw.max_attempts);
  r.Read(t, "", "min_field_confidence", raw.min_field_confidence);
  r.Read(t, "", "log_level", raw.log_level);
  r.Read(t, "", "listen", raw.listen);
  auto section = [&](const char* name) -> const toml::table* {
    r.Seen(std::string(name) + ".");
    r.Seen(name);
    const toml::node* node = t.get(name);
    if (!node) return nullptr;
    if (!node->is_table()) { r.Error(name, "must be a table ([" + std::string(name) + "])"); return nullptr; }
    return node->as_table();
  };
  if (const toml::table* w = section("watch")) {
    r.Read(*w, "watch.", "rescan_seconds", raw.rescan);
    r.Read(*w, "watch.", "settle_seconds", raw.settle);
    r.Read(*w, "watch.", "scan_quiet_seconds", raw.scan_quiet);
    r.Read(*w, "watch.", "poll_seconds", raw.poll);
    r.Read(*w, "watch.", "once_wait_seconds", raw.once_wait);
    r.ReportUnknown(*w, "watch.");
  }
  if (const toml::table* l = section("limits")) {
    r.Read(*l, "limits.", "max_file_mib", raw.max_file_mib);
    r.Read(*l, "limits.", "max_pages", raw.max_pages);
    r.Read(*l, "limits.", "max_page_megapixels", raw.max_page_mp);
    r.Read(*l, "limits.", "max_file_megapixels", raw.max_file_mp);
    r.Read(*l, "limits.", "pdf_dpi", raw.pdf_dpi);
    r.ReportUnknown(*l, "limits.");
  }
  if (const toml::table* p = section("prepare")) {
    r.Read(*p, "prepare.", "detect_orientation", raw.detect_orientation);
    r.Read(*p, "prepare.", "despeckle", raw.despeckle);
    r.Read(*p, "prepare.", "speck_max_pixels", raw.speck);
    r.Read(*p, "prepare.", "max_skew_degrees", raw.max_skew);
    r.ReportUnknown(*p, "prepare.");
  }
  if (const toml::table* o = section("ocr")) {
    r.Read(*o, "ocr.", "languages", raw.languages);
    r.Read(*o, "ocr.", "tessdata_dir", raw.tessdata_dir);
    r.ReportUnknown(*o, "ocr.");
  }
  if (const toml::table* v = section("review")) {
    r.Read(*v, "review.", "idle_timeout_minutes", raw.idle_minutes);
    r.Read(*v, "review.", "max_failed_logins", raw.max_failed_logins);
    r.Read(*v, "review.", "lockout_minutes", raw.lockout_minutes);
    r.Read(*v, "review.", "tls_cert", raw.tls_cert);
    r.Read(*v, "review.", "tls_key", raw.tls_key);
    r.ReportUnknown(*v, "review.");
  }
  r.Seen("inbox");
  if (const toml::node* node = t.get("inbox")) {
    const toml::array* list = node->as_array();
    if (!list || !list->is_array_of_tables()) {
      r.Error("inbox", "must be a list of [[inbox]] tables");
    } else {
      raw.inboxes.clear();
      raw.inboxes_given = true;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& box = *list->get(i)->as_table();
        const std::string prefix = "inbox[" + std::to_string(i) + "].";
        Raw::Inbox in;
        r.Read(box, prefix, "name", in.name);
        r.Read(box, prefix, "path", in.path);
        r.Read(box, prefix, "channel", in.channel);
        r.Read(box, prefix, "line", in.line);
        r.ReportUnknown(box, prefix);
        raw.inboxes.push_back(std::move(in));
      }
    }
  }
  r.ReportUnknown(t, "");
}

bool Parse(std::string_view text, const std::string& file, Reader& r, Raw& raw) {
  try {
    toml::table table = toml::parse(text, file);
    ReadTable(table, r, raw);
    return true;
  } catch (const toml::parse_error& e) {
    std::ostringstream why;
    why << e.description() << " (line " << e.source().begin.line << ", column " << e.source().begin.column << ")";
    r.Error("", why.str());
    return false;
  }
}

fs::path Under(const fs::path& base, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : base / p;
}

void Validate(const Raw& raw, Reader& r, Config& c, const fs::path& base) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (raw.data_dir.empty()) r.Error("data_dir", "must not be empty");
  c.data_dir = Under(base, raw.data_dir).lexically_normal();
  c.store_path = Under(c.data_dir, raw.store);
  c.archive_dir = Under(c.data_dir, raw.archive);
  Range(r, "workers", raw.workers, 0, 64);
  c.workers = raw.workers;
  Range(r, "max_attempts", raw.max_attempts, 1, 100);
  c.max_attempts = raw.max_attempts;
  Range(r, "min_field_confidence", raw.min_field_confidence, 0.0, 1.0);
  c.min_field_confidence = raw.min_field_confidence;
  if (!kLevels.count(raw.log_level)) r.Error("log_level", "must be one of trace, debug, info, warn, error, critical, off");
  c.log_level = raw.log_level;
  const auto colon = raw.listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || raw.listen.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
      colon + 1 == raw.listen.size() || std::stol(raw.listen.substr(colon + 1)) > 65535) {
    r.Error("listen", "must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  c.listen = raw.listen;
  Range(r, "review.idle_timeout_minutes", raw.idle_minutes, 1.0, 1440.0);
  Range(r, "review.max_failed_logins", raw.max_failed_logins, 1, 100);
  Range(r, "review.lockout_minutes", raw.lockout_minutes, 1.0, 1440.0);
  c.review.idle_timeout = std::chrono::seconds(static_cast<int64_t>(raw.idle_minutes * 60));
  c.review.max_failed_logins = raw.max_failed_logins;
  c.review.lockout = std::chrono::seconds(static_cast<int64_t>(raw.lockout_minutes * 60));
  if (raw.tls_cert.empty() != raw.tls_key.empty()) {
    r.Error(raw.tls_cert.empty() ? "review.tls_cert" : "review.tls_key", "TLS needs both tls_cert and tls_key");
  }
  for (const auto& [key, file, out] : {std::tuple{"review.tls_cert", &raw.tls_cert, &c.review.tls_cert},
                                       std::tuple{"review.tls_key", &raw.tls_key, &c.review.tls_key}}) {
    if (file->empty()) continue;
    *out = Under(base, *file);
    if (!fs::is_regular_file(*out)) r.Error(key, "file does not exist: " + out->string());
  }

  Range(r, "watch.rescan_seconds", raw.rescan, 0.1, 86400.0);
  Range(r, "watch.settle_seconds", raw.settle, 0.0, 3600.0);
  Range(r, "watch.scan_quiet_seconds", raw.scan_quiet, 0.0, 3600.0);
  Range(r, "watch.poll_seconds", raw.poll, 0.01, 60.0);
  c.watch.rescan_interval = Seconds(raw.rescan);
  c.watch.settle = Seconds(raw.settle);
  c.watch.scan_quiet = Seconds(raw.scan_quiet);
  c.watch.poll_interval = Seconds(raw.poll);
  Range(r, "watch.once_wait_seconds", raw.once_wait, 0.0, 86400.0);
  c.once_wait = Seconds(raw.once_wait);

  Range<int64_t>(r, "limits.max_file_mib", raw.max_file_mib, 1, 4096);
  Range<int64_t>(r, "limits.max_pages", raw.max_pages, 1, 5000);
  Range<int64_t>(r, "limits.max_page_megapixels", raw.max_page_mp, 1, 1000);
  Range<int64_t>(r, "limits.max_file_megapixels", raw.max_file_mp, 1, 100000);
  Range(r, "limits.pdf_dpi", raw.pdf_dpi, 72.0, 600.0);
  c.limits.max_bytes = raw.max_file_mib << 20;
  c.limits.max_pages = static_cast<int>(raw.max_pages);
  c.limits.max_page_pixels = raw.max_page_mp * 1'000'000;
  c.limits.max_total_pixels = raw.max_file_mp * 1'000'000;
  c.limits.pdf_dpi = raw.pdf_dpi;

  Range(r, "prepare.speck_max_pixels", raw.speck, 0, 50);
  Range(r, "prepare.max_skew_degrees", raw.max_skew, 0.0, 45.0);
  c.prepare.detect_orientation = raw.detect_orientation;
  c.prepare.despeckle = raw.despeckle;
  c.prepare.speck_max_pixels = raw.speck;
  c.prepare.max_skew_degrees = raw.max_skew;

  if (raw.languages.empty()) r.Error("ocr.languages", "must name at least one language, e.g. \"eng\"");
  c.ocr.languages = raw.languages;
  c.ocr.tessdata_dir = raw.tessdata_dir.empty() ? std::string() : Under(base, raw.tessdata_dir).string();
  if (!c.ocr.tessdata_dir.empty() && !fs::is_directory(c.ocr.tessdata_dir)) {
    r.Error("ocr.tessdata_dir", "folder does not exist: " + c.ocr.tessdata_dir);
  }

  if (raw.inboxes.empty()) r.Error("inbox", "at least one [[inbox]] is needed");
  std::set<std::string> names;
  std::set<fs::path> paths;
  for (std::size_t i = 0; i < raw.inboxes.size(); ++i) {
    const Raw::Inbox& in = raw.inboxes[i];
    const std::string prefix = "inbox[" + std::to_string(i) + "].";
    InboxConfig box;
    box.name = in.name;
    if (in.name.empty()) r.Error(prefix + "name", "is required");
    else if (!names.insert(in.name).second) r.Error(prefix + "name", "\"" + in.name + "\" is used by another inbox");
    if (in.path.empty()) r.Error(prefix + "path", "is required");
    box.path = Under(c.data_dir, in.path).lexically_normal();
    if (!in.path.empty() && !paths.insert(box.path).second) r.Error(prefix + "path", "is used by another inbox");
    auto channel = ChannelFromString(in.channel);
    if (!channel) r.Error(prefix + "channel", "must be fax, email or scan");
    else box.channel = *channel;
    if (channel == Channel::kFax) {
      if (in.line.empty()) r.Error(prefix + "line", "is required for a fax inbox (records, imaging, verbal, ...)");
      box.fax_line = in.line;
    } else if (!in.line.empty()) {
      r.Error(prefix + "line", "only a fax inbox has a line");
    }
    c.inboxes.push_back(std::move(box));
  }
}

}  // namespace

std::string Describe(const ConfigError& e) {
  std::string out = e.file;
  if (!e.key.empty()) out += ": " + e.key;
  return out + ": " + e.why;
}

tl::expected<Config, std::vector<ConfigError>> LoadConfig(const std::optional<fs::path>& path) {
  std::vector<ConfigError> errors;
  Raw raw;
  Reader defaults("(defaults)", errors);
  Parse(ExampleConfig(), "(defaults)", defaults, raw);
  raw.inboxes_given = false;
  fs::path base = fs::current_path();
  std::string file = "(defaults)";
  if (path) {
    file = path->string();
    std::error_code ec;
    const auto size = fs::file_size(*path, ec);
    if (ec) return tl::unexpected(std::vector<ConfigError>{{file, "", "cannot read the file: " + ec.message()}});
    std::string text(size, '\0');
    FILE* f = std::fopen(path->c_str(), "rb");
    if (!f) return tl::unexpected(std::vector<ConfigError>{{file, "", "cannot open the file"}});
    const std::size_t got = std::fread(text.data(), 1, size, f);
    std::fclose(f);
    text.resize(got);
    base = fs::absolute(*path).parent_path();
    Reader reader(file, errors);
    Raw from_file = raw;
    if (Parse(text, file, reader, from_file)) raw = from_file;
    Config config;
    Validate(raw, reader, config, base);
    if (!errors.empty()) return tl::unexpected(std::move(errors));
    return config;
  }
  Config config;
  Validate(raw, defaults, config, base);
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  return config;
}

}  // namespace intake
