// corpus/files.h: private to the corpus module. The file formats the inboxes
// receive, written byte by byte so the output is reproducible: a PDF of JPEG
// page images (what a scanner writes), an RFC 5322 / MIME e-mail message, a
// Word document (.docx), and the JSON lines of the truth files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace intake::corpus_detail {

struct JpegPage {
  std::vector<std::uint8_t> jpeg;  // 8-bit gray baseline JPEG
  int width = 0, height = 0;       // pixels
  double dpi = 300;
};

/// One /DCTDecode image per page, each page the image's size at its dpi.
/// `creation_date` is a PDF date ("D:20261130114358-05'00'").
std::vector<std::uint8_t> ImagePdf(const std::vector<JpegPage>& pages, const std::string& producer,
                                   const std::string& creation_date);

struct MailAttachmentSpec {
  std::string filename;  // UTF-8; written with RFC 2231 when not ASCII
  std::string content_type;
  std::vector<std::uint8_t> bytes;
};

struct MailSpec {
  std::string from_name, from_address, to;
  std::string subject;  // UTF-8; RFC 2047 encoded when not ASCII
  std::string date;     // RFC 5322 date
  std::string message_id;
  std::string received;  // the Received: trace line's text
  std::string body;      // UTF-8 text
  std::vector<MailAttachmentSpec> attachments;
  std::string boundary;  // multipart boundary (unique, from the seed)
};

std::string MimeMessage(const MailSpec& mail);

/// A minimal Word document holding `paragraphs`.
std::vector<std::uint8_t> DocxFile(const std::vector<std::string>& paragraphs);

/// JSON as Python's json.dumps writes it (", " and ": " separators, UTF-8
/// kept): the format of the samples' truth.jsonl and files.jsonl.
std::string JsonLine(const nlohmann::ordered_json& value);

}  // namespace intake::corpus_detail
