// Tests for email/message.h: raw RFC 5322 messages written the way real mail
// clients write them, parsed with the real GMime.
#include "email/message.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace intake {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// Base64 in 76-character lines, as MIME writers emit it.
std::string Base64(const std::vector<std::uint8_t>& bytes, const std::string& newline = "\n") {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string flat;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t b0 = bytes[i];
    const std::uint32_t b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    const std::uint32_t b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0;
    const std::uint32_t triple = (b0 << 16) | (b1 << 8) | b2;
    flat += kAlphabet[(triple >> 18) & 63];
    flat += kAlphabet[(triple >> 12) & 63];
    flat += i + 1 < bytes.size() ? kAlphabet[(triple >> 6) & 63] : '=';
    flat += i + 2 < bytes.size() ? kAlphabet[triple & 63] : '=';
  }
  std::string wrapped;
  for (std::size_t i = 0; i < flat.size(); i += 76) wrapped += flat.substr(i, 76) + newline;
  return wrapped;
}

std::vector<std::uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }

Result<MailMessage> Parse(const std::string& raw) { return ParseMessage(Bytes(raw)); }

// Distinct binary bytes (every byte value) so a decoding slip shows.
std::vector<std::uint8_t> Binary(const std::string& magic, int length) {
  std::vector<std::uint8_t> bytes(magic.begin(), magic.end());
  for (int i = 0; static_cast<int>(bytes.size()) < length; ++i) {
    bytes.push_back(static_cast<std::uint8_t>(i * 7 + 3));
  }
  return bytes;
}

std::vector<std::string> Names(const MailMessage& message) {
  std::vector<std::string> names;
  for (const MailAttachment& a : message.attachments) names.push_back(a.filename);
  return names;
}

constexpr char kHeaders[] =
    "From: Ana Ruiz <ana@example.org>\n"
    "To: intake@his.example.org\n"
    "Subject: Form\n"
    "Date: Sun, 22 Nov 2026 10:14:00 -0500\n"
    "Message-ID: <abc123@example.org>\n"
    "MIME-Version: 1.0\n";

// A multipart/mixed message with a short text body and one base64 part.
std::string WithOnePart(const std::string& part_headers, const std::vector<std::uint8_t>& bytes) {
  return std::string(kHeaders) +
         "Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
         "--XX\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n"
         "--XX\n" + part_headers + "\nContent-Transfer-Encoding: base64\n\n" + Base64(bytes) +
         "--XX--\n";
}

TEST(EmailTest, ThunderbirdPdfAttachmentKeepsExactBytesAndName) {
  const auto pdf = testing::ReadFile(testing::SourceDir() / "forms/HIS-VERBAL-EN.pdf");
  const std::string crlf = "\r\n";
  const std::string boundary = "------------9kQ3VhXmB0wZ2jA1cT7yLpRf";
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"" + crlf +
      "Message-ID: <5d1c7a2e-8f3b-4c1d-9e2a-0b6f4d3c2a19@example.com>" + crlf +
      "Date: Sun, 22 Nov 2026 10:14:00 -0500" + crlf +
      "MIME-Version: 1.0" + crlf +
      "User-Agent: Mozilla Thunderbird" + crlf +
      "Content-Language: en-US" + crlf +
      "To: intake@his.example.org" + crlf +
      "From: Dana Smith <dana@example.com>" + crlf +
      "Subject: Verbal authorization" + crlf + crlf +
      "This is a multi-part message in MIME format." + crlf +
      "--" + boundary + crlf +
      "Content-Type: text/plain; charset=UTF-8; format=flowed" + crlf +
      "Content-Transfer-Encoding: 7bit" + crlf + crlf +
      "Signed form attached." + crlf + crlf +
      "--" + boundary + crlf +
      "Content-Type: application/pdf; name=\"HIS-VERBAL-EN.pdf\"" + crlf +
      "Content-Disposition: attachment; filename=\"HIS-VERBAL-EN.pdf\"" + crlf +
      "Content-Transfer-Encoding: base64" + crlf + crlf +
      Base64(pdf, crlf) + crlf +
      "--" + boundary + "--" + crlf;

  const auto message = Parse(raw);

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_EQ(message->attachments.size(), 1u);
  EXPECT_EQ(message->attachments[0].filename, "HIS-VERBAL-EN.pdf");
  EXPECT_EQ(message->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(message->attachments[0].bytes, pdf);
  EXPECT_EQ(message->body_text, "Signed form attached.\r\n");
}

TEST(EmailTest, OutlookRelatedAlternativeGivesInlineImageAndTiffAndPlainBody) {
  const auto png = Binary("\x89PNG\r\n\x1a\n", 700);
  const auto tiff = Binary(std::string("II*\0", 4), 3000);
  const std::string raw =
      std::string(kHeaders) +
      "Content-Type: multipart/mixed;\n\tboundary=\"_004_MN2PR11MB_\"\n\n"
      "--_004_MN2PR11MB_\n"
      "Content-Type: multipart/related;\n\tboundary=\"_003_MN2PR11MB_\";\n\ttype=\"multipart/alternative\"\n\n"
      "--_003_MN2PR11MB_\n"
      "Content-Type: multipart/alternative;\n\tboundary=\"_000_MN2PR11MB_\"\n\n"
      "--_000_MN2PR11MB_\n"
      "Content-Type: text/plain; charset=\"us-ascii\"\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "Please see the scanned form.\n[cid:image001.png@01DB3C4A.5F2E1A30]\n\n"
      "--_000_MN2PR11MB_\n"
      "Content-Type: text/html; charset=\"us-ascii\"\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "<html><body><p>Please see the HTML form.</p><img src=3D\"cid:image001.png@01DB3C4A.5F2E1A30\">"
      "</body></html>\n\n"
      "--_000_MN2PR11MB_--\n\n"
      "--_003_MN2PR11MB_\n"
      "Content-Type: image/png; name=\"image001.png\"\n"
      "Content-Description: image001.png\n"
      "Content-Disposition: inline; filename=\"image001.png\"; size=700\n"
      "Content-ID: <image001.png@01DB3C4A.5F2E1A30>\n"
      "Content-Transfer-Encoding: base64\n\n" +
      Base64(png) +
      "\n--_003_MN2PR11MB_--\n\n"
      "--_004_MN2PR11MB_\n"
      "Content-Type: image/tiff; name=\"scan0001.tif\"\n"
      "Content-Description: scan0001.tif\n"
      "Content-Disposition: attachment; filename=\"scan0001.tif\"; size=3000\n"
      "Content-Transfer-Encoding: base64\n\n" +
      Base64(tiff) +
      "\n--_004_MN2PR11MB_--\n";

  const auto message = Parse(raw);

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("image001.png", "scan0001.tif"));
  EXPECT_EQ(message->attachments[0].content_type, "image/png");
  EXPECT_EQ(message->attachments[0].bytes, png);
  EXPECT_EQ(message->attachments[1].content_type, "image/tiff");
  EXPECT_EQ(message->attachments[1].bytes, tiff);
  EXPECT_EQ(message->body_text,
            "Please see the scanned form.\n[cid:image001.png@01DB3C4A.5F2E1A30]\n");
}

TEST(EmailTest, AppleMailRfc2231FilenameIsDecoded) {
  const auto pdf = Binary("%PDF-1.4\n", 400);
  const auto single = Parse(WithOnePart(
      "Content-Type: application/pdf;\n\tx-unix-mode=0644;\n\tname=\"Autorizacion firmada.pdf\"\n"
      "Content-Disposition: attachment;\n\tfilename*=utf-8''Autorizaci%C3%B3n%20firmada.pdf",
      pdf));
  const auto continued = Parse(WithOnePart(
      "Content-Type: application/pdf\n"
      "Content-Disposition: attachment;\n\tfilename*0*=utf-8''Autorizaci%C3%B3n;\n"
      "\tfilename*1*=%20firmada.pdf",
      pdf));

  ASSERT_TRUE(single) << single.error().message;
  ASSERT_TRUE(continued) << continued.error().message;
  EXPECT_THAT(Names(*single), ElementsAre("Autorización firmada.pdf"));
  EXPECT_THAT(Names(*continued), ElementsAre("Autorización firmada.pdf"));
  EXPECT_EQ(single->attachments[0].bytes, pdf);
}

TEST(EmailTest, Rfc2047EncodedWordFilenameIsDecoded) {
  const auto message = Parse(WithOnePart(
      "Content-Type: application/pdf; name=\"=?UTF-8?Q?Autorizaci=C3=B3n_firmada.pdf?=\"\n"
      "Content-Disposition: attachment;\n"
      " filename=\"=?UTF-8?B?QXV0b3JpemFjacOzbiBmaXJtYWRhLnBkZg==?=\"",
      Binary("%PDF-1.4\n", 100)));

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_THAT(Names(*message), ElementsAre("Autorización firmada.pdf"));
}

TEST(EmailTest, EncodedWordSubjectsAreDecodedToUtf8) {
  const auto base64 = Parse(
      "From: a@example.org\nSubject: =?UTF-8?B?QXV0b3JpemFjacOzbiB2ZXJiYWw=?=\n\nhi\n");
  const auto latin1 = Parse(
      "From: a@example.org\nSubject: =?ISO-8859-1?Q?Solicitud_de_autorizaci=F3n?=\n\nhi\n");

  ASSERT_TRUE(base64) << base64.error().message;
  ASSERT_TRUE(latin1) << latin1.error().message;
  EXPECT_EQ(base64->subject, "Autorización verbal");
  EXPECT_EQ(latin1->subject, "Solicitud de autorización");
}

TEST(EmailTest, FromIsTheDecodedAddressList) {
  const auto message = Parse(
      "From: =?utf-8?q?H=C3=A9ctor_=C3=81lvarez?= <hector@example.net>\nSubject: x\n\nhi\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->from, "Héctor Álvarez <hector@example.net>");
}

TEST(EmailTest, MessageIdIsReportedWithoutAngleBrackets) {
  const auto message = Parse(std::string(kHeaders) + "\nhi\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->message_id, "abc123@example.org");
}

TEST(EmailTest, DateIsIso8601WithTheSendersOffset) {
  const auto eastern = Parse("From: a@example.org\nDate: Sun, 22 Nov 2026 10:14:00 -0500\n\nhi\n");
  const auto india = Parse("From: a@example.org\nDate: Mon, 23 Nov 2026 08:05:09 +0530\n\nhi\n");
  const auto utc = Parse("From: a@example.org\nDate: 1 Dec 2026 23:59:59 +0000\n\nhi\n");

  ASSERT_TRUE(eastern && india && utc);
  EXPECT_EQ(eastern->date, "2026-11-22T10:14:00-05:00");
  EXPECT_EQ(india->date, "2026-11-23T08:05:09+05:30");
  EXPECT_EQ(utc->date, "2026-12-01T23:59:59+00:00");
}

TEST(EmailTest, MissingDateIsNullopt) {
  const auto message = Parse("From: a@example.org\nSubject: no date\n\nhi\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->date, std::nullopt);
}

TEST(EmailTest, ForwardedMessageJpegIsFound) {
  const auto jpeg = Binary("\xFF\xD8\xFF\xE0", 1500);
  const std::string raw =
      std::string(kHeaders) +
      "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
      "--outer\nContent-Type: text/plain; charset=utf-8\n\nForwarding the patient's photo.\n\n"
      "--outer\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=\"Fwd.eml\"\n\n"
      "From: Patient <p@example.net>\nSubject: photo\nDate: Sat, 21 Nov 2026 09:00:00 -0500\n"
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"inner\"\n\n"
      "--inner\nContent-Type: text/plain\n\nHere it is.\n"
      "--inner\nContent-Type: image/jpeg; name=\"IMG_0412.JPG\"\n"
      "Content-Disposition: attachment; filename=\"IMG_0412.JPG\"\n"
      "Content-Transfer-Encoding: base64\n\n" +
      Base64(jpeg) + "--inner--\n\n--outer--\n";

  const auto message = Parse(raw);

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("IMG_0412.JPG"));
  EXPECT_EQ(message->attachments[0].content_type, "image/jpeg");
  EXPECT_EQ(message->attachments[0].bytes, jpeg);
  EXPECT_EQ(message->body_text, "Forwarding the patient's photo.\n");
}

TEST(EmailTest, QuotedPrintableBodyWithoutAttachmentIsDecodedAndKept) {
  const auto message = Parse(
      "From: a@example.org\nMIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
      "I would like my x-rays on a CD. What do I need t=\no do? Se=C3=B1ora L=C3=B3pez\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_THAT(message->attachments, IsEmpty());
  EXPECT_EQ(message->body_text,
            "I would like my x-rays on a CD. What do I need to do? Señora López\n");
}

TEST(EmailTest, Latin1BodyIsConvertedToUtf8) {
  const auto message = Parse(
      "From: a@example.org\nContent-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: 8bit\n\nAutorizaci\xF3n\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->body_text, "Autorización\n");
}

TEST(EmailTest, LongBodyIsCutTo64KiBOnACharacterBoundary) {
  std::string text = "a";  // then two-byte characters, so 64 KiB falls inside one
  for (int i = 0; i < 40000; ++i) text += "é";
  const auto message = Parse("From: a@example.org\nContent-Type: text/plain; charset=utf-8\n\n" +
                             text);

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->body_text, text.substr(0, 65535));
}

TEST(EmailTest, HtmlOnlyBodyLosesTagsAndDecodesEntities) {
  const auto message = Parse(
      "From: a@example.org\nContent-Type: text/html; charset=utf-8\n\n"
      "<html><head><style>p { color: red; }</style></head><body>"
      "<p>Dear&nbsp;HIS,</p><!-- tracking --><p>Form A &amp; B &lt;signed&gt; &#233;&#xE9;</p>"
      "<script>var x = '<p>';</script></body></html>\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->body_text, "Dear HIS,\nForm A & B <signed> éé");
}

TEST(EmailTest, HostileFilenamesBecomePlainBaseNames) {
  const std::string part = "Content-Transfer-Encoding: base64\n\nAAEC\n";
  const auto message = Parse(
      std::string(kHeaders) + "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\n\nbody\n"
      "--b\nContent-Type: application/octet-stream\n"
      "Content-Disposition: attachment; filename=\"../../etc/passwd\"\n" + part +
      "--b\nContent-Type: application/pdf\n"
      "Content-Disposition: attachment; filename=\"C:\\\\evil\\\\x.pdf\"\n" + part +
      "--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"\"\n" +
      part + "--b--\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_THAT(Names(*message), ElementsAre("passwd", "x.pdf", "part-4"));
  EXPECT_EQ(message->attachments[0].bytes, (std::vector<std::uint8_t>{0, 1, 2}));
}

TEST(EmailTest, ControlCharactersAndLeadingDotsAreRemovedFromFilenames) {
  const auto message = Parse(
      std::string(kHeaders) + "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
      "--b\nContent-Type: application/pdf\n"
      "Content-Disposition: attachment; filename*=utf-8''%01form%0D%0A%7F%C2%85.pdf\n\nx\n"
      "--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"..bashrc\"\n"
      "\nx\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"..\"\n"
      "\nx\n--b--\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_THAT(Names(*message), ElementsAre("form.pdf", "bashrc", "part-3"));
}

TEST(EmailTest, LongFilenameIsCutTo200BytesOnACharacterBoundary) {
  std::string encoded = "a";  // then 150 two-byte "é": 301 bytes in all
  for (int i = 0; i < 150; ++i) encoded += "%C3%A9";
  const auto message = Parse(WithOnePart(
      "Content-Type: application/pdf\nContent-Disposition: attachment; filename*=utf-8''" + encoded,
      {1}));

  ASSERT_TRUE(message) << message.error().message;
  std::string expected = "a";
  for (int i = 0; i < 99; ++i) expected += "é";
  EXPECT_EQ(Names(*message), std::vector<std::string>{expected});
}

TEST(EmailTest, ImagesAndApplicationPartsWithoutNameAreNamedByPartIndex) {
  const auto message = Parse(
      std::string(kHeaders) + "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\n\nbody\n"
      "--b\nContent-Type: image/jpeg\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n"
      "\n/9j/\n"
      "--b\nContent-Type: application/octet-stream\n\nraw\n--b--\n");

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_THAT(Names(*message), ElementsAre("part-2", "part-3"));
  EXPECT_EQ(message->attachments[0].content_type, "image/jpeg");
  EXPECT_EQ(message->attachments[0].bytes, (std::vector<std::uint8_t>{0xFF, 0xD8, 0xFF}));
  EXPECT_EQ(message->body_text, "body");
}

TEST(EmailTest, TextPartWithAttachmentDispositionIsAnAttachmentNotTheBody) {
  const auto message = Parse(
      std::string(kHeaders) + "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"notes.txt\"\n\n"
      "attached notes\n--b\nContent-Type: text/plain\n\nthe body\n--b--\n");

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("notes.txt"));
  EXPECT_EQ(message->attachments[0].content_type, "text/plain");
  EXPECT_EQ(message->body_text, "the body");
}

TEST(EmailTest, SmimeEncryptedBodyIsReportedAsAttachment) {
  const auto envelope = Binary("\x30\x82", 600);
  const auto message = Parse(
      std::string(kHeaders) +
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\n"
      "Content-Disposition: attachment; filename=\"smime.p7m\"\n"
      "Content-Transfer-Encoding: base64\n\n" + Base64(envelope));

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("smime.p7m"));
  EXPECT_EQ(message->attachments[0].content_type, "application/pkcs7-mime");
  EXPECT_EQ(message->attachments[0].bytes, envelope);
}

TEST(EmailTest, PgpEncryptedBodyIsReportedAsAttachments) {
  const auto message = Parse(
      std::string(kHeaders) +
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"p\"\n\n"
      "--p\nContent-Type: application/pgp-encrypted\nContent-Description: PGP/MIME version\n\n"
      "Version: 1\n\n"
      "--p\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n"
      "Content-Disposition: inline; filename=\"encrypted.asc\"\n\n"
      "-----BEGIN PGP MESSAGE-----\n\nhQEMA0123\n-----END PGP MESSAGE-----\n\n--p--\n");

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("part-1", "encrypted.asc"));
  EXPECT_EQ(message->attachments[0].content_type, "application/pgp-encrypted");
  EXPECT_EQ(message->attachments[1].content_type, "application/octet-stream");
}

TEST(EmailTest, UuencodedPartIsDecoded) {
  // "Cat" uuencoded.
  const auto message = Parse(
      std::string(kHeaders) + "Content-Type: application/octet-stream; name=\"cat.bin\"\n"
      "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 cat.bin\n#0V%T\n`\nend\n");

  ASSERT_TRUE(message) << message.error().message;
  ASSERT_THAT(Names(*message), ElementsAre("cat.bin"));
  EXPECT_EQ(message->attachments[0].bytes, Bytes("Cat"));
}

TEST(EmailTest, GarbageBytesAreNotAMessage) {
  std::mt19937 random(42);
  std::vector<std::uint8_t> noise(4096);
  for (auto& b : noise) b = static_cast<std::uint8_t>(random());
  const auto pdf = testing::ReadFile(testing::SourceDir() / "forms/HIS-VERBAL-EN.pdf");

  for (const auto& bytes : {noise, pdf, Bytes("Note: call me back\n\nthanks\n")}) {
    const auto message = ParseMessage(bytes);
    ASSERT_FALSE(message);
    EXPECT_EQ(message.error().code, ErrorCode::kCorruptFile);
    EXPECT_EQ(message.error().message, "not a readable e-mail message");
  }
}

TEST(EmailTest, EmptyInputIsEmptyFile) {
  const auto message = ParseMessage({});

  ASSERT_FALSE(message);
  EXPECT_EQ(message.error().code, ErrorCode::kEmptyFile);
}

// `levels` multiparts, each inside the last, around one text leaf.
std::string Nested(int levels) {
  std::string raw = "From: a@example.org\nMIME-Version: 1.0\n";
  for (int i = 0; i < levels; ++i) {
    raw += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" +
           std::to_string(i) + "\n";
  }
  raw += "Content-Type: text/plain\n\ndeep\n";
  for (int i = levels - 1; i >= 0; --i) raw += "--n" + std::to_string(i) + "--\n";
  return raw;
}

TEST(EmailTest, TwentyNestedMultipartsAreRead) {
  const auto message = Parse(Nested(20));

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->body_text, "deep");
}

TEST(EmailTest, NestingDeeperThanTwentyIsTooLarge) {
  for (int levels : {21, 25}) {
    const auto message = Parse(Nested(levels));
    ASSERT_FALSE(message) << levels;
    EXPECT_EQ(message.error().code, ErrorCode::kTooLarge);
    EXPECT_THAT(message.error().message, HasSubstr("20 levels"));
  }
}

std::string WithLeaves(int leaves) {
  std::string raw = std::string(kHeaders) + "Content-Type: multipart/mixed; boundary=\"b\"\n\n";
  for (int i = 0; i < leaves; ++i) raw += "--b\nContent-Type: application/pdf\n\nx\n";
  return raw + "--b--\n";
}

TEST(EmailTest, TwoHundredPartsAreRead) {
  const auto message = Parse(WithLeaves(200));

  ASSERT_TRUE(message) << message.error().message;
  EXPECT_EQ(message->attachments.size(), 200u);
}

TEST(EmailTest, MoreThanTwoHundredPartsIsTooLarge) {
  const auto message = Parse(WithLeaves(201));

  ASSERT_FALSE(message);
  EXPECT_EQ(message.error().code, ErrorCode::kTooLarge);
  EXPECT_THAT(message.error().message, HasSubstr("200 parts"));
}

TEST(EmailTest, MessageOver100MiBIsTooLarge) {
  std::vector<std::uint8_t> bytes = Bytes(std::string(kHeaders) + "\n");
  bytes.resize((std::size_t{100} << 20) + 1, 'a');

  const auto message = ParseMessage(bytes);

  ASSERT_FALSE(message);
  EXPECT_EQ(message.error().code, ErrorCode::kTooLarge);
}

TEST(EmailTest, ParsesIndependentlyOnConcurrentThreads) {
  const auto pdf = testing::ReadFile(testing::SourceDir() / "forms/HIS-VERBAL-EN.pdf");
  const std::string raw = WithOnePart(
      "Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"f.pdf\"", pdf);
  std::vector<int> matches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const auto message = Parse(raw);
        if (message && message->attachments.size() == 1 && message->attachments[0].bytes == pdf) {
          ++matches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_THAT(matches, ElementsAre(25, 25, 25, 25));
}

// Content types a files.jsonl attachment kind must arrive with.
const std::map<std::string, std::string>& MediaTypeOfKind() {
  static const std::map<std::string, std::string> kinds = {
      {"scan_pdf", "application/pdf"}, {"efill", "application/pdf"}, {"photo", "image/"}};
  return kinds;
}

TEST(EmailTest, SampleMaildirMessagesMatchFilesJsonl) {
  const auto samples = testing::SharedDir() / "samples";
  const auto maildir = samples / "inbox/email/new";
  if (!std::filesystem::is_directory(maildir)) GTEST_SKIP() << "no samples at " << maildir;

  std::map<std::string, MailMessage> parsed;
  for (const auto& entry : std::filesystem::directory_iterator(maildir)) {
    auto message = ParseMessage(testing::ReadFile(entry.path()));
    ASSERT_TRUE(message) << entry.path() << ": " << message.error().message;
    EXPECT_TRUE(message->date && message->message_id && message->from) << entry.path();
    parsed.emplace("inbox/email/new/" + entry.path().filename().string(), std::move(*message));
  }

  std::ifstream lines(samples / "files.jsonl");
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record.at("kind") != "email") continue;
    const std::string file = record.at("file");
    ASSERT_TRUE(parsed.contains(file)) << file;
    const MailMessage& message = parsed.at(file);
    std::vector<std::string> expected;
    for (const auto& attachment : record.at("attachments")) {
      const std::string name = attachment.at("name");
      expected.push_back(name);
      const auto found = std::find_if(message.attachments.begin(), message.attachments.end(),
                                      [&](const MailAttachment& a) { return a.filename == name; });
      if (found == message.attachments.end()) continue;  // reported by the name check below
      if (const auto kind = MediaTypeOfKind().find(attachment.at("kind"));
          kind != MediaTypeOfKind().end()) {
        EXPECT_THAT(found->content_type, ::testing::StartsWith(kind->second)) << file << " " << name;
      }
      if (attachment.contains("degradation") && attachment["degradation"].contains("bytes")) {
        EXPECT_EQ(found->bytes.size(), attachment["degradation"]["bytes"].get<std::size_t>())
            << file << " " << name;
      }
    }
    EXPECT_THAT(Names(message), UnorderedElementsAreArray(expected)) << file;
    if (expected.empty()) {
      EXPECT_FALSE(message.body_text.empty()) << file;
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(parsed.size()));
}

}  // namespace
}  // namespace intake
