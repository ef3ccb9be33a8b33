#include "core/request.h"

namespace intake {
namespace {

template <class T>
nlohmann::ordered_json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

template <class T>
std::optional<T> Opt(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || json.at(key).is_null()) return std::nullopt;
  return json.at(key).get<T>();
}

nlohmann::ordered_json PartsJson(const std::vector<PagesRef>& parts) {
  auto out = nlohmann::ordered_json::array();
  for (const PagesRef& part : parts) {
    out.push_back({{"attachment", OrNull(part.attachment)}, {"pages", part.pages}});
  }
  return out;
}

std::vector<PagesRef> PartsFromJson(const nlohmann::json& json) {
  std::vector<PagesRef> parts;
  for (const auto& part : json) {
    parts.push_back({Opt<std::string>(part, "attachment"), part.at("pages").get<std::vector<int>>()});
  }
  return parts;
}

}  // namespace

std::string_view ToString(Channel channel) {
  switch (channel) {
    case Channel::kFax: return "fax";
    case Channel::kEmail: return "email";
    case Channel::kScan: return "scan";
  }
  return "fax";
}

std::optional<Channel> ChannelFromString(std::string_view text) {
  if (text == "fax") return Channel::kFax;
  if (text == "email") return Channel::kEmail;
  if (text == "scan") return Channel::kScan;
  return std::nullopt;
}

nlohmann::ordered_json ToJson(const Request& r) {
  nlohmann::ordered_json source = {
      {"channel", ToString(r.source.channel)},
      {"fax_line", OrNull(r.source.fax_line)},
      {"file", r.source.file},
      {"parts", PartsJson(r.source.parts)},
      {"sha256", r.source.sha256},
      {"received_at", r.source.received_at},
      {"sender", OrNull(r.source.sender)},
      {"subject", OrNull(r.source.subject)},
  };
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  for (const auto& [key, field] : r.fields) {
    nlohmann::ordered_json f = {{"value", field.value}, {"confidence", field.confidence}};
    if (field.page) f["page"] = *field.page;
    if (field.box) f["box"] = *field.box;
    fields[key] = std::move(f);
  }
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& finding : r.findings) {
    findings.push_back({{"rule", finding.rule},
                        {"severity", finding.severity},
                        {"field", OrNull(finding.field)},
                        {"message", finding.message}});
  }
  return {
      {"document_id", r.document_id},
      {"source", std::move(source)},
      {"form", r.form},
      {"form_code", OrNull(r.form_code)},
      {"language", OrNull(r.language)},
      {"fields", std::move(fields)},
      {"status", r.status},
      {"queues", r.queues},
      {"findings", std::move(findings)},
      {"due", {{"target", OrNull(r.due.target)}, {"statutory", OrNull(r.due.statutory)}}},
      {"supporting_pages", PartsJson(r.supporting_pages)},
  };
}

Request RequestFromJson(const nlohmann::json& j) {
  Request r;
  r.document_id = j.at("document_id").get<std::string>();
  const auto& s = j.at("source");
  r.source.channel = ChannelFromString(s.at("channel").get<std::string>()).value_or(Channel::kFax);
  r.source.fax_line = Opt<std::string>(s, "fax_line");
  r.source.file = s.at("file").get<std::string>();
  r.source.parts = PartsFromJson(s.at("parts"));
  r.source.sha256 = s.at("sha256").get<std::string>();
  r.source.received_at = s.at("received_at").get<std::string>();
  r.source.sender = Opt<std::string>(s, "sender");
  r.source.subject = Opt<std::string>(s, "subject");
  r.form = j.at("form").get<std::string>();
  r.form_code = Opt<std::string>(j, "form_code");
  r.language = Opt<std::string>(j, "language");
  for (const auto& [key, f] : j.at("fields").items()) {
    FieldReading reading;
    reading.value = f.at("value");
    reading.confidence = f.at("confidence").get<double>();
    reading.page = Opt<int>(f, "page");
    reading.box = Opt<std::array<double, 4>>(f, "box");
    r.fields.emplace(key, std::move(reading));
  }
  r.status = j.at("status").get<std::string>();
  r.queues = j.at("queues").get<std::vector<std::string>>();
  for (const auto& f : j.at("findings")) {
    r.findings.push_back({f.at("rule").get<std::string>(), f.at("severity").get<std::string>(),
                          Opt<std::string>(f, "field"), f.at("message").get<std::string>()});
  }
  r.due.target = Opt<std::string>(j.at("due"), "target");
  r.due.statutory = Opt<std::string>(j.at("due"), "statutory");
  r.supporting_pages = PartsFromJson(j.at("supporting_pages"));
  return r;
}

}  // namespace intake
