// Writing PDFs with qpdf: fill a fillable form's AcroForm values, lock a PDF
// with a password. The corpus generator makes its e-filled and encrypted
// attachments with these, so they are PDFs as real editors save them.

// qpdf 11: PointerHolder is std::shared_ptr already; say so to silence its warning.
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <exception>

#include "decode/codecs.h"
#include "decode/decode.h"

namespace intake {
namespace {

std::vector<std::uint8_t> Bytes(QPDFWriter& writer) {
  writer.write();
  std::shared_ptr<Buffer> buffer = writer.getBufferSharedPointer();
  return {buffer->getBuffer(), buffer->getBuffer() + buffer->getSize()};
}

template <class Write>
Result<std::vector<std::uint8_t>> Safely(Write write) {
  try {
    return write();
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) {
      return Fail(ErrorCode::kEncryptedPdf, "PDF is password-protected: it cannot be filled");
    }
    return Fail(ErrorCode::kCorruptFile, "PDF is damaged and cannot be written");
  } catch (const std::exception&) {
    return Fail(ErrorCode::kCorruptFile, "PDF is damaged and cannot be written");
  }
}

}  // namespace

Result<std::vector<std::uint8_t>> FillAcroForm(std::span<const std::uint8_t> pdf_bytes,
                                               const std::map<std::string, std::string>& values,
                                               const std::vector<PdfOverlay>& overlays) {
  return Safely([&]() -> Result<std::vector<std::uint8_t>> {
    QPDF pdf;
    decode_detail::OpenPdfQuietly(pdf, pdf_bytes);
    QPDFAcroFormDocumentHelper forms(pdf);
    if (!forms.hasAcroForm() && !values.empty()) {
      return Fail(ErrorCode::kUnsupportedFormat, "PDF has no fillable fields");
    }
    std::size_t set = 0;
    for (QPDFFormFieldObjectHelper& field : forms.getFormFields()) {
      const auto it = values.find(field.getFullyQualifiedName());
      if (it == values.end()) continue;
      if (field.isCheckbox()) {
        // qpdf finds the box's own on state in its appearances and sets /AS.
        field.setV(QPDFObjectHandle::newName(it->second == "Off" ? "/Off" : "/Yes"));
      } else {
        field.setV(it->second);
      }
      ++set;
    }
    if (set != values.size()) return Fail(ErrorCode::kInternal, "a value names no field of the PDF");
    if (!values.empty()) forms.setNeedAppearances(true);

    std::vector<QPDFPageObjectHelper> pages = QPDFPageDocumentHelper(pdf).getAllPages();
    for (const PdfOverlay& overlay : overlays) {
      if (overlay.page < 1 || overlay.page > static_cast<int>(pages.size())) {
        return Fail(ErrorCode::kInternal, "PDF has no page " + std::to_string(overlay.page));
      }
      QPDFPageObjectHelper& page = pages[overlay.page - 1];
      // The page's own drawing keeps its graphics state to itself.
      page.addPageContents(QPDFObjectHandle::newStream(&pdf, "q\n"), true);
      page.addPageContents(QPDFObjectHandle::newStream(&pdf, "\nQ\n" + overlay.content + "\n"), false);
    }
    QPDFWriter writer(pdf);
    writer.setOutputMemory();
    writer.setDeterministicID(true);
    return Bytes(writer);
  });
}

Result<std::vector<std::uint8_t>> EncryptPdf(std::span<const std::uint8_t> pdf_bytes, const std::string& user_password) {
  return Safely([&]() -> Result<std::vector<std::uint8_t>> {
    QPDF pdf;
    decode_detail::OpenPdfQuietly(pdf, pdf_bytes);
    QPDFWriter writer(pdf);
    writer.setOutputMemory();
    // A fixed /ID: RC4 needs no random salt, so the same input locks the same way.
    writer.setStaticID(true);
    const std::string owner = user_password + "-owner";
    writer.setR4EncryptionParametersInsecure(user_password.c_str(), owner.c_str(), true, true, true, true, true, true,
                                             qpdf_r3p_full, true, false);
    return Bytes(writer);
  });
}

}  // namespace intake
