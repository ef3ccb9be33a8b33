#include "corpus/files.h"

#include <array>
#include <cstdio>

#include "corpus/values.h"

namespace intake::corpus_detail {
namespace {

void Append(std::vector<std::uint8_t>& out, const std::string& text) { out.insert(out.end(), text.begin(), text.end()); }

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

std::string Base64(const std::uint8_t* data, std::size_t size, std::size_t line = 76) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < size; i += 3) {
    const std::uint32_t n = (data[i] << 16) | (i + 1 < size ? data[i + 1] << 8 : 0) | (i + 2 < size ? data[i + 2] : 0);
    out.push_back(table[(n >> 18) & 63]);
    out.push_back(table[(n >> 12) & 63]);
    out.push_back(i + 1 < size ? table[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < size ? table[n & 63] : '=');
    column += 4;
    if (line && column >= line && i + 3 < size) {
      out.push_back('\n');
      column = 0;
    }
  }
  return out;
}

std::string Base64(const std::string& text) {
  return Base64(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), 0);
}

// RFC 2047 encoded word for a header holding non-ASCII text.
std::string HeaderText(const std::string& text) { return IsAscii(text) ? text : "=?UTF-8?B?" + Base64(text) + "?="; }

std::string QuotedPrintable(const std::string& text) {
  std::string out;
  std::size_t column = 0;
  for (unsigned char c : text) {
    if (c == '\n') {
      out.push_back('\n');
      column = 0;
      continue;
    }
    char piece[4];
    if (c >= 128 || c == '=') {
      std::snprintf(piece, sizeof piece, "=%02X", c);
    } else {
      piece[0] = static_cast<char>(c);
      piece[1] = 0;
    }
    const std::size_t n = std::char_traits<char>::length(piece);
    if (column + n > 75) {
      out += "=\n";
      column = 0;
    }
    out += piece;
    column += n;
  }
  return out;
}

std::string PercentEncoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      char piece[4];
      std::snprintf(piece, sizeof piece, "%%%02X", c);
      out += piece;
    }
  }
  return out;
}

std::uint32_t Crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void Le(std::vector<std::uint8_t>& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void Dump(const nlohmann::ordered_json& value, std::string& out) {
  if (value.is_object()) {
    out.push_back('{');
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!first) out += ", ";
      first = false;
      out += nlohmann::ordered_json(key).dump() + ": ";
      Dump(item, out);
    }
    out.push_back('}');
  } else if (value.is_array()) {
    out.push_back('[');
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i) out += ", ";
      Dump(value[i], out);
    }
    out.push_back(']');
  } else {
    out += value.dump();
  }
}

}  // namespace

std::vector<std::uint8_t> ImagePdf(const std::vector<JpegPage>& pages, const std::string& producer,
                                   const std::string& creation_date) {
  std::vector<std::uint8_t> out;
  std::vector<std::size_t> offsets;
  Append(out, "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
  auto object = [&](int number, const std::string& text) {
    if (offsets.size() < static_cast<std::size_t>(number)) offsets.resize(number);
    offsets[number - 1] = out.size();
    Append(out, std::to_string(number) + " 0 obj\n" + text + "\nendobj\n");
  };
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(6 + 3 * i) + " 0 R ";
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, "<< /Type /Pages /Kids [ " + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  object(3, "<< /Producer (" + producer + ") /Creator (" + producer + ") /CreationDate (" + creation_date + ") >>");
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const JpegPage& page = pages[i];
    const int image = static_cast<int>(4 + 3 * i);
    offsets.resize(image);
    offsets[image - 1] = out.size();
    Append(out, std::to_string(image) + " 0 obj\n<< /Type /XObject /Subtype /Image /Width " + std::to_string(page.width) +
                    " /Height " + std::to_string(page.height) +
                    " /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length " +
                    std::to_string(page.jpeg.size()) + " >>\nstream\n");
    out.insert(out.end(), page.jpeg.begin(), page.jpeg.end());
    Append(out, "\nendstream\nendobj\n");
    const double w = page.width * 72.0 / page.dpi, h = page.height * 72.0 / page.dpi;
    const std::string content = "q\n" + Number(w) + " 0 0 " + Number(h) + " 0 0 cm\n/Im0 Do\nQ\n";
    object(image + 1, "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream");
    object(image + 2, "<< /Type /Page /Parent 2 0 R /MediaBox [ 0 0 " + Number(w) + " " + Number(h) +
                          " ] /Resources << /XObject << /Im0 " + std::to_string(image) + " 0 R >> >> /Contents " +
                          std::to_string(image + 1) + " 0 R >>");
  }
  const std::size_t xref = out.size();
  Append(out, "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n");
  for (std::size_t offset : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    Append(out, line);
  }
  Append(out, "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R /Info 3 0 R >>\nstartxref\n" +
                  std::to_string(xref) + "\n%%EOF\n");
  return out;
}

std::string MimeMessage(const MailSpec& mail) {
  std::string out;
  out += "Return-Path: <" + mail.from_address + ">\n";
  out += "Delivered-To: " + mail.to + "\n";
  out += "Received: " + mail.received + "\n";
  out += "From: " + (mail.from_name.empty() ? mail.from_address
                                            : "\"" + HeaderText(mail.from_name) + "\" <" + mail.from_address + ">") +
         "\n";
  out += "To: " + mail.to + "\n";
  if (!mail.subject.empty()) out += "Subject: " + HeaderText(mail.subject) + "\n";
  out += "Date: " + mail.date + "\n";
  out += "Message-ID: <" + mail.message_id + ">\n";
  out += "MIME-Version: 1.0\n";
  const bool ascii = IsAscii(mail.body);
  const std::string text_headers = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: " +
                                   std::string(ascii ? "7bit" : "quoted-printable") + "\n";
  const std::string text = ascii ? mail.body : QuotedPrintable(mail.body);
  if (mail.attachments.empty()) return out + text_headers + "\n" + text;

  out += "Content-Type: multipart/mixed; boundary=\"" + mail.boundary + "\"\n\n";
  out += "This is a multi-part message in MIME format.\n\n";
  out += "--" + mail.boundary + "\n" + text_headers + "\n" + text + "\n";
  for (const MailAttachmentSpec& a : mail.attachments) {
    out += "--" + mail.boundary + "\n";
    if (IsAscii(a.filename)) {
      out += "Content-Type: " + a.content_type + "; name=\"" + a.filename + "\"\n";
      out += "Content-Disposition: attachment; filename=\"" + a.filename + "\"\n";
    } else {
      out += "Content-Type: " + a.content_type + "; name=\"" + HeaderText(a.filename) + "\"\n";
      out += "Content-Disposition: attachment; filename*=UTF-8''" + PercentEncoded(a.filename) + "\n";
    }
    out += "Content-Transfer-Encoding: base64\n\n";
    out += Base64(a.bytes.data(), a.bytes.size()) + "\n";
  }
  out += "--" + mail.boundary + "--\n";
  return out;
}

std::vector<std::uint8_t> DocxFile(const std::vector<std::string>& paragraphs) {
  std::string body;
  for (const std::string& p : paragraphs) body += "<w:p><w:r><w:t>" + XmlEscape(p) + "</w:t></w:r></w:p>";
  const std::vector<std::pair<std::string, std::string>> entries = {
      {"[Content_Types].xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
       "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
       "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
       "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
       "<Override PartName=\"/word/document.xml\" "
       "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
      {"_rels/.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
       "Target=\"word/document.xml\"/></Relationships>"},
      {"word/document.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
       "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
           body + "</w:body></w:document>"},
  };
  constexpr std::uint32_t kDosTime = 0x6000, kDosDate = (46u << 9) | (11u << 5) | 2u;  // 2026-11-02 12:00
  std::vector<std::uint8_t> out, central;
  for (const auto& [name, data] : entries) {
    const std::uint32_t offset = static_cast<std::uint32_t>(out.size()), crc = Crc32(data);
    const auto size = static_cast<std::uint32_t>(data.size());
    const auto name_size = static_cast<std::uint32_t>(name.size());
    Le(out, 0x04034b50, 4), Le(out, 20, 2), Le(out, 0, 2), Le(out, 0, 2), Le(out, kDosTime, 2), Le(out, kDosDate, 2);
    Le(out, crc, 4), Le(out, size, 4), Le(out, size, 4), Le(out, name_size, 2), Le(out, 0, 2);
    Append(out, name);
    Append(out, data);
    Le(central, 0x02014b50, 4), Le(central, 20, 2), Le(central, 20, 2), Le(central, 0, 2), Le(central, 0, 2);
    Le(central, kDosTime, 2), Le(central, kDosDate, 2), Le(central, crc, 4), Le(central, size, 4), Le(central, size, 4);
    Le(central, name_size, 2), Le(central, 0, 2), Le(central, 0, 2), Le(central, 0, 2), Le(central, 0, 2);
    Le(central, 0, 4), Le(central, offset, 4);
    Append(central, name);
  }
  const auto central_offset = static_cast<std::uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  Le(out, 0x06054b50, 4), Le(out, 0, 2), Le(out, 0, 2), Le(out, static_cast<std::uint32_t>(entries.size()), 2);
  Le(out, static_cast<std::uint32_t>(entries.size()), 2), Le(out, static_cast<std::uint32_t>(central.size()), 4);
  Le(out, central_offset, 4), Le(out, 0, 2);
  return out;
}

std::string JsonLine(const nlohmann::ordered_json& value) {
  std::string out;
  Dump(value, out);
  return out;
}

}  // namespace intake::corpus_detail
