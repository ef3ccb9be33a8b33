// core/request.h: the request, intake's output contract (SPEC section 4).
//
// One logical document becomes one Request. `ToJson` writes exactly the keys
// SPEC section 4 fixes, in that order, so downstream systems and the
// accuracy benchmark can read it; `RequestFromJson` reads it back (the store
// keeps requests as this JSON).
//
//   Request r;
//   r.source.channel = Channel::kFax;
//   r.form = "OTHER";
//   std::string line = ToJson(r).dump();
#pragma once

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace intake {

enum class Channel { kFax, kEmail, kScan };

std::string_view ToString(Channel channel);
std::optional<Channel> ChannelFromString(std::string_view text);

/// Pages of one file, or of one e-mail attachment (1-based page numbers).
struct PagesRef {
  std::optional<std::string> attachment;  // null for faxes and scan batches
  std::vector<int> pages;
  friend bool operator==(const PagesRef&, const PagesRef&) = default;
};

struct Source {
  Channel channel = Channel::kFax;
  std::optional<std::string> fax_line;
  std::string file;  // file name as received (never a path we open)
  std::vector<PagesRef> parts;
  std::string sha256;
  std::string received_at;  // ISO 8601 with offset
  std::optional<std::string> sender;
  std::optional<std::string> subject;
};

struct FieldReading {
  nlohmann::json value;  // string, bool or sorted list of strings
  double confidence = 0;
  std::optional<int> page;
  std::optional<std::array<double, 4>> box;  // x, y, w, h on the page
  // Which engine read a written text value: "recognizer", "tesseract" or
  // "both" (empty for marks and e-filled values). For the bench's tables;
  // not part of the request JSON.
  std::string read_by = {};
};

struct Finding {
  std::string rule;
  std::string severity;  // "deficient" or "pend"
  std::optional<std::string> field;
  std::string message;
};

struct Due {
  std::optional<std::string> target;
  std::optional<std::string> statutory;
};

struct Request {
  std::string document_id;
  Source source;
  std::string form = "OTHER";  // AUTH, AMEND, VERBAL or OTHER
  std::optional<std::string> form_code;
  std::optional<std::string> language;  // "en", "es" or null
  std::map<std::string, FieldReading> fields;
  std::string status = "needs_review";  // "routed" or "needs_review"
  std::vector<std::string> queues;
  std::vector<Finding> findings;
  Due due;
  std::vector<PagesRef> supporting_pages;
};

nlohmann::ordered_json ToJson(const Request& request);
Request RequestFromJson(const nlohmann::json& json);

}  // namespace intake
