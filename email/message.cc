// email/message.cc: ParseMessage on top of GMime 3.2.
//
// The message is parsed from memory; the MIME tree is then walked depth
// first. Every leaf that is not a text alternative of the body is an
// attachment; the first text/plain leaf (else the first text/html leaf, tags
// dropped) that is not an attachment gives body_text.
#include "email/message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace intake {
namespace {

constexpr std::size_t kMaxMessageBytes = std::size_t{100} << 20;
constexpr int kMaxLeafParts = 200;
constexpr int kMaxNesting = 20;
constexpr std::size_t kMaxBodyBytes = std::size_t{64} << 10;
constexpr std::size_t kMaxFilenameBytes = 200;

struct GObjectDeleter {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectDeleter>;

struct GFreeDeleter {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFreeDeleter>;

void DropLogMessage(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// GMime is not safe to initialise concurrently; once done, independent
// parsers may run on any thread. Its g_warning()s would reach stderr, which
// the service reserves for its own structured log.
void InitGMimeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    g_log_set_handler("gmime",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
                                                  G_LOG_FLAG_RECURSION),
                      DropLogMessage, nullptr);
  });
}

// GMime decodes headers to UTF-8, but a raw 8-bit header in an unknown
// charset can still leave invalid sequences; callers get valid UTF-8 only.
std::string ValidUtf8(const char* text) {
  GCharPtr valid(g_utf8_make_valid(text, -1));
  return valid.get();
}

// Cuts at most max_bytes without splitting a UTF-8 sequence (input is valid).
void TruncateUtf8(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

std::string AsciiLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(g_ascii_tolower(c)); });
  return text;
}

std::string SanitiseFilename(const char* raw, int part_number) {
  std::string name;
  if (raw != nullptr) {
    // C0, DEL and (as UTF-8 "\xC2\x80".."\xC2\x9F") C1 control characters.
    const std::string valid = ValidUtf8(raw);
    for (std::size_t i = 0; i < valid.size(); ++i) {
      const auto c = static_cast<unsigned char>(valid[i]);
      if (c < 0x20 || c == 0x7F) continue;
      if (c == 0xC2 && i + 1 < valid.size() &&
          static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {
        ++i;
        continue;
      }
      name.push_back(valid[i]);
    }
    if (const std::size_t slash = name.find_last_of("/\\"); slash != std::string::npos) {
      name.erase(0, slash + 1);
    }
    const std::size_t first = name.find_first_not_of(". \t");
    name.erase(0, first == std::string::npos ? name.size() : first);
    name.erase(name.find_last_not_of(" \t") + 1);
    TruncateUtf8(name, kMaxFilenameBytes);
  }
  return name.empty() ? "part-" + std::to_string(part_number) : name;
}

// Appends the UTF-8 encoding of a code point (invalid ones become U+FFFD).
void AppendCodePoint(std::string& out, gunichar code_point) {
  if (!g_unichar_validate(code_point) || code_point == 0) code_point = 0xFFFD;
  std::array<char, 6> buffer{};
  out.append(buffer.data(), g_unichar_to_utf8(code_point, buffer.data()));
}

// Decodes the entity starting at html[at] == '&' into out; returns the number
// of input bytes used, or 0 when it is not an entity this reader knows.
std::size_t DecodeEntity(std::string_view html, std::size_t at, std::string& out) {
  const std::size_t semicolon = html.substr(at, 12).find(';');
  if (semicolon == std::string_view::npos) return 0;
  const std::string_view entity = html.substr(at + 1, semicolon - 1);
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNamed = {{
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
      {"shy", ""},
  }};
  for (const auto& [name, text] : kNamed) {
    if (entity == name) {
      out.append(text);
      return entity.size() + 2;
    }
  }
  if (entity.size() < 2 || entity[0] != '#') return 0;
  const bool hex = entity[1] == 'x' || entity[1] == 'X';
  const std::string digits(entity.substr(hex ? 2 : 1));
  if (digits.empty() || !g_ascii_isxdigit(digits[0])) return 0;
  char* end = nullptr;
  const unsigned long value = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
  if (*end != '\0') return 0;
  AppendCodePoint(out, value > 0x10FFFF ? 0xFFFD : static_cast<gunichar>(value));
  return entity.size() + 2;
}

// Enough HTML-to-text for an HTML-only mail body: scripts, styles and
// comments vanish, block elements become line breaks, runs of white space
// collapse, and the common entities are decoded.
std::string HtmlToText(std::string_view html) {
  static constexpr std::array<std::string_view, 12> kBlockTags = {
      "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"};
  std::string text;
  bool pending_space = false;
  auto emit_break = [&] {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    pending_space = false;
  };
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        const std::size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      const std::size_t close = html.find('>', i);
      const std::size_t tag_end = close == std::string_view::npos ? html.size() : close + 1;
      const bool closing = i + 1 < html.size() && html[i + 1] == '/';
      const std::size_t name_begin = i + (closing ? 2 : 1);
      std::size_t name_end = name_begin;
      while (name_end < tag_end && g_ascii_isalnum(html[name_end])) ++name_end;
      const std::string lower_name =
          AsciiLower(std::string(html.substr(name_begin, name_end - name_begin)));
      i = tag_end;
      if (!closing && (lower_name == "script" || lower_name == "style")) {
        std::size_t end = i;
        while ((end = html.find("</", end)) != std::string_view::npos &&
               AsciiLower(std::string(html.substr(end + 2, lower_name.size()))) != lower_name) {
          end += 2;
        }
        const std::size_t after = end == std::string_view::npos ? end : html.find('>', end);
        i = after == std::string_view::npos ? html.size() : after + 1;
      } else if (std::find(kBlockTags.begin(), kBlockTags.end(), lower_name) != kBlockTags.end()) {
        emit_break();
      }
      continue;
    }
    if (g_ascii_isspace(c)) {
      pending_space = !text.empty() && text.back() != '\n';
      ++i;
      continue;
    }
    if (pending_space) text.push_back(' ');
    pending_space = false;
    if (c == '&') {
      if (const std::size_t used = DecodeEntity(html, i, text); used > 0) {
        i += used;
        continue;
      }
    }
    text.push_back(c);
    ++i;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The text of a text/* part as valid UTF-8, converted from its charset.
std::string TextOf(GMimeTextPart* part) {
  GCharPtr text(g_mime_text_part_get_text(part));
  if (text == nullptr) return {};
  const std::size_t length = std::strlen(text.get());
  if (g_utf8_validate(text.get(), static_cast<gssize>(length), nullptr)) return text.get();
  // No or unknown charset and 8-bit bytes: GMime's fallback charsets.
  GCharPtr decoded(g_mime_utils_decode_8bit(nullptr, text.get(), length));
  return ValidUtf8(decoded.get());
}

Result<std::vector<std::uint8_t>> DecodedContent(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return std::vector<std::uint8_t>{};
  GObjectPtr<GMimeStream> sink(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, sink.get()) < 0) {
    return Fail(ErrorCode::kCorruptFile, "an attachment of this e-mail could not be decoded");
  }
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink.get()));
  return std::vector<std::uint8_t>(bytes->data, bytes->data + bytes->len);
}

class TreeWalker {
 public:
  explicit TreeWalker(MailMessage& out) : out_(out) {}

  Result<void> Walk(GMimeObject* object, int depth) {
    if (object == nullptr) return {};
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      return inner == nullptr ? Result<void>{}
                              : Enter(g_mime_message_get_mime_part(inner), depth);
    }
    if (GMIME_IS_MULTIPART(object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
        if (auto walked = Enter(g_mime_multipart_get_part(multipart, i), depth); !walked) {
          return walked;
        }
      }
      return {};
    }
    return Leaf(object);
  }

  // The body, once the whole tree has been seen: plain text wins over HTML.
  std::string Body() const {
    std::string body;
    if (plain_ != nullptr) {
      body = TextOf(plain_);
    } else if (html_ != nullptr) {
      body = HtmlToText(TextOf(html_));
    }
    TruncateUtf8(body, kMaxBodyBytes);
    return body;
  }

 private:
  Result<void> Enter(GMimeObject* child, int depth) {
    if (depth + 1 > kMaxNesting) {
      return Fail(ErrorCode::kTooLarge, "e-mail nests its parts more than " +
                                            std::to_string(kMaxNesting) +
                                            " levels deep: ask the sender to send the files "
                                            "directly");
    }
    return Walk(child, depth + 1);
  }

  Result<void> Leaf(GMimeObject* object) {
    if (++leaf_count_ > kMaxLeafParts) {
      return Fail(ErrorCode::kTooLarge, "e-mail has more than " + std::to_string(kMaxLeafParts) +
                                            " parts: ask the sender to split it");
    }
    GMimeContentType* type = g_mime_object_get_content_type(object);
    const char* filename = GMIME_IS_PART(object) ? g_mime_part_get_filename(GMIME_PART(object))
                                                 : nullptr;
    const char* disposition = g_mime_object_get_disposition(object);
    const bool declared_attachment =
        filename != nullptr ||
        (disposition != nullptr && g_ascii_strcasecmp(disposition, "attachment") == 0);
    if (GMIME_IS_TEXT_PART(object) && !declared_attachment) {
      if (g_mime_content_type_is_type(type, "text", "plain")) {
        if (plain_ == nullptr) plain_ = GMIME_TEXT_PART(object);
      } else if (g_mime_content_type_is_type(type, "text", "html")) {
        if (html_ == nullptr) html_ = GMIME_TEXT_PART(object);
      }
      return {};
    }
    MailAttachment attachment;
    attachment.filename = SanitiseFilename(filename, leaf_count_);
    GCharPtr mime_type(g_mime_content_type_get_mime_type(type));
    attachment.content_type = AsciiLower(mime_type.get());
    if (GMIME_IS_PART(object)) {
      auto bytes = DecodedContent(GMIME_PART(object));
      if (!bytes) return tl::unexpected(bytes.error());
      attachment.bytes = std::move(*bytes);
    }
    out_.attachments.push_back(std::move(attachment));
    return {};
  }

  MailMessage& out_;
  int leaf_count_ = 0;
  GMimeTextPart* plain_ = nullptr;  // owned by the message being walked
  GMimeTextPart* html_ = nullptr;
};

std::optional<std::string> NonEmpty(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  return ValidUtf8(text);
}

// GMime builds a message from any "name: value" lines; a message has at least
// one of the headers every mail system writes.
bool HasMessageHeader(GMimeMessage* message) {
  static constexpr std::array<const char*, 8> kHeaders = {
      "From", "Sender", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Received"};
  return std::any_of(kHeaders.begin(), kHeaders.end(), [&](const char* header) {
    return g_mime_object_get_header(GMIME_OBJECT(message), header) != nullptr;
  });
}

Result<MailMessage> Parse(std::span<const std::uint8_t> bytes) {
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (message == nullptr || !HasMessageHeader(message.get())) {
    return Fail(ErrorCode::kCorruptFile, "not a readable e-mail message");
  }

  MailMessage out;
  if (InternetAddressList* from = g_mime_message_get_from(message.get());
      from != nullptr && internet_address_list_length(from) > 0) {
    GCharPtr text(internet_address_list_to_string(from, nullptr, FALSE));
    out.from = NonEmpty(text.get());
  }
  out.subject = NonEmpty(g_mime_message_get_subject(message.get()));
  if (GDateTime* date = g_mime_message_get_date(message.get()); date != nullptr) {
    GCharPtr text(g_date_time_format(date, "%Y-%m-%dT%H:%M:%S%:z"));
    out.date = NonEmpty(text.get());
  }
  out.message_id = NonEmpty(g_mime_message_get_message_id(message.get()));

  TreeWalker walker(out);
  if (auto walked = walker.Walk(g_mime_message_get_mime_part(message.get()), 0); !walked) {
    return tl::unexpected(walked.error());
  }
  out.body_text = walker.Body();
  return out;
}

}  // namespace

Result<MailMessage> ParseMessage(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return Fail(ErrorCode::kEmptyFile, "e-mail message is empty");
  if (bytes.size() > kMaxMessageBytes) {
    return Fail(ErrorCode::kTooLarge,
                "e-mail message is larger than 100 MiB: ask the sender to send fewer files "
                "per message");
  }
  InitGMimeOnce();
  try {
    return Parse(bytes);
  } catch (const std::bad_alloc&) {
    return Fail(ErrorCode::kTooLarge, "not enough memory to read this e-mail message");
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInternal, "internal error while reading an e-mail message");
  }
}

}  // namespace intake
