// email/message.h: reads one e-mail message (RFC 5322 / MIME) with GMime.
//
// Gives the headers that matter to intake (From, Subject, Date, Message-ID,
// with RFC 2047 encoded words decoded) and every attachment-like part: nested
// multiparts, forwarded messages (message/rfc822) with their own attachments,
// base64 and quoted-printable bodies, RFC 2231 file names, inline images.
// File names are reported as the sender wrote them (sanitised to a plain
// base name) and are never used as paths. The plain-text body is kept so a
// message without a usable attachment can still be shown to a person.
//
//   Result<MailMessage> m = ParseMessage(bytes);
//   for (const MailAttachment& a : m->attachments) Decode(a.bytes, limits);
//
// Thread-safe: GMime is initialised once, and each call parses independently.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace intake {

struct MailAttachment {
  std::string filename;      // base name as sent (or "part-N" when the part has none)
  std::string content_type;  // as declared, lower case, e.g. "application/pdf"
  std::vector<std::uint8_t> bytes;
};

struct MailMessage {
  std::optional<std::string> from;
  std::optional<std::string> subject;
  std::optional<std::string> date;        // ISO 8601 with offset, from the Date header
  std::optional<std::string> message_id;
  std::string body_text;                  // first text/plain part (or text/html stripped of tags)
  std::vector<MailAttachment> attachments;
};

Result<MailMessage> ParseMessage(std::span<const std::uint8_t> bytes);

}  // namespace intake
