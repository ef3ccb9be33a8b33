// pipeline/crops.h: `intake bench crops`, the field crops a recognizer learns from.
//
// Runs every file of a corpus folder (as `intake corpus` writes it) through
// the same steps as ProcessFile (decode, prepare, identify, assemble,
// register), matches each form document to its truth.jsonl line, and writes,
// for every one-line text or initials field with a true value and ink, the
// crop the extractor would read (WritingInField) as a PNG, with one line of
// OUT/labels.jsonl:
//
//   {"png": "000123.png", "value": "03/14/1962", "truth": "1962-03-14",
//    "format": "date", "fill": "hand", "font": "Breip", "channel": "fax",
//    "form": "AUTH", "language": "en", "key": "patient.dob", "doc": "D0001",
//    "tesseract": "03/14/1962"}
//
// `value` is the characters as written on the page, `truth` the normalized
// value the extractor must produce; `tesseract` (only with `tesseract`) is one
// Tesseract single-line read of the same crop with the format's characters,
// so that both engines are judged on the same pixels. Crossed-out fields are
// left out (the crop holds two values). The data is synthetic: no patient's.
//
//   Result<CropsReport> r = WriteFieldCrops(corpus, out, options, knowledge, ocr_options, true, 2);
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/recipe.h"

namespace intake {

struct CropsReport {
  int files = 0;
  int documents = 0;          // form documents found in the files
  int matched = 0;            // of those, matched to a truth line
  int crops = 0;
  double tesseract_ms = 0;    // mean time of one Tesseract read of a crop (when asked)
};

Result<CropsReport> WriteFieldCrops(const std::filesystem::path& corpus_dir, const std::filesystem::path& out_dir,
                                    const PipelineOptions& options, const FormsKnowledge& knowledge,
                                    const OcrOptions& ocr_options, bool tesseract, int threads);

/// The command: loads the forms, writes the crops, prints the counts. Returns the exit code.
int BenchCropsCommand(const std::filesystem::path& corpus_dir, const std::filesystem::path& out_dir,
                      const std::filesystem::path& data_dir, const PipelineOptions& options,
                      const OcrOptions& ocr_options, bool tesseract, int threads);

}  // namespace intake
