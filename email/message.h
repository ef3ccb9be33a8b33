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
// An attachment is every leaf part that is not a text alternative of the
// body: any part with a file name or "Content-Disposition: attachment", and
// every non-text part (images, including inline ones, application/*, S/MIME
// or PGP-encrypted bodies, which are not decrypted). Parts of forwarded
// messages (message/rfc822) count as the message's own.
//
// Limits: over 100 MiB, more than 200 leaf parts or parts nested more than
// 20 levels deep give kTooLarge; bytes that are not a message give
// kCorruptFile, zero bytes kEmptyFile.
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
  // Base name as sent: directories, control characters and leading dots
  // removed, at most 200 bytes of UTF-8. "part-N" when nothing is left, N the
  // part's 1-based position among all leaf parts (body parts included).
  std::string filename;
  std::string content_type;  // as declared, lower case, e.g. "application/pdf"
  std::vector<std::uint8_t> bytes;
};

struct MailMessage {
  std::optional<std::string> from;
  std::optional<std::string> subject;
  std::optional<std::string> date;        // ISO 8601 with offset, from the Date header
  std::optional<std::string> message_id;  // without the angle brackets
  // First text/plain part that is not an attachment (else the first text/html
  // part stripped of tags), UTF-8, at most 64 KiB.
  std::string body_text;
  std::vector<MailAttachment> attachments;
};

Result<MailMessage> ParseMessage(std::span<const std::uint8_t> bytes);

}  // namespace intake
