#include "recognizer/lexicon.h"

#include <algorithm>
#include <fstream>

namespace intake {
namespace {

namespace fs = std::filesystem;

// U+00C0..U+00FF folded: the Latin-1 letters to their base letter; '.' marks
// the two signs (multiplication, division) that are not letters.
constexpr std::string_view kLatin1 = "AAAAAAACEEEEIIIIDNOOOOO.OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO.OUUUUYTY";

bool Capital(char c) { return c >= 'A' && c <= 'Z'; }

// `word` folded letter by letter; empty when any character is not a letter.
std::string Fold(std::string_view word) {
  std::string out = FoldLetters(word);
  return std::all_of(out.begin(), out.end(), Capital) ? out : std::string();
}

// Spanish lists give the singular; the forms are written in the plural as
// often ("alergias", "antecedentes").
std::string SpanishPlural(const std::string& folded) {
  const char last = folded.back();
  const bool vowel = last == 'A' || last == 'E' || last == 'I' || last == 'O' || last == 'U';
  return folded + (vowel ? "S" : "ES");
}

}  // namespace

char FoldLetter(std::string_view character) {
  if (character.size() == 1) {
    const char c = character[0];
    if (c >= 'A' && c <= 'Z') return c;
    if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
    return 0;
  }
  if (character.size() == 2) {
    const unsigned code =
        (static_cast<unsigned char>(character[0]) & 0x1Fu) << 6 | (static_cast<unsigned char>(character[1]) & 0x3Fu);
    if (code >= 0xC0 && code <= 0xFF && kLatin1[code - 0xC0] != '.') return kLatin1[code - 0xC0];
  }
  return 0;
}

std::string FoldLetters(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    const std::string_view character = text.substr(i, n);
    const char letter = FoldLetter(character);
    if (letter) {
      out.push_back(letter);
    } else {
      out += character;
    }
    i += n;
  }
  return out;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

Lexicon Lexicon::Of(const std::vector<std::string>& words) {
  Lexicon lexicon;
  for (const std::string& word : words) {
    if (std::string folded = Fold(word); !folded.empty()) lexicon.words_.push_back(std::move(folded));
  }
  std::sort(lexicon.words_.begin(), lexicon.words_.end());
  lexicon.words_.erase(std::unique(lexicon.words_.begin(), lexicon.words_.end()), lexicon.words_.end());
  return lexicon;
}

const Lexicon& Lexicon::Relationships() {
  // Each word of a relationship is looked up alone: "MOTHER-IN-LAW" is
  // MOTHER, IN and LAW; "TÍA ABUELA" is TIA and ABUELA.
  static const Lexicon kRelationships = Of(
      {// English: family
       "spouse", "wife", "husband", "partner", "domestic", "son", "daughter", "child", "children", "mother", "father",
       "mom", "mum", "dad", "parent", "parents", "sister", "brother", "sibling", "grandmother", "grandfather",
       "grandparent", "grandma", "grandpa", "grandson", "granddaughter", "grandchild", "aunt", "uncle", "niece",
       "nephew", "cousin", "stepmother", "stepfather", "stepson", "stepdaughter", "stepsister", "stepbrother",
       "stepparent", "step", "half", "great", "in", "law", "godmother", "godfather", "godson", "goddaughter", "foster",
       "adoptive", "adopted", "ex", "widow", "widower", "fiance", "fiancee", "twin",
       // English: household, friends, care
       "friend", "best", "boyfriend", "girlfriend", "neighbor", "neighbour", "roommate", "caregiver", "caretaker",
       "family", "member", "relative", "self", "aide", "home", "nurse", "companion",
       // English: legal standing
       "guardian", "legal", "conservator", "agent", "proxy", "health", "care", "healthcare", "power", "of", "attorney",
       "poa", "executor", "executrix", "administrator", "representative", "personal", "court", "appointed",
       // Spanish: family
       "esposo", "esposa", "marido", "mujer", "pareja", "hijo", "hija", "hijos", "madre", "padre", "mamá", "papá",
       "padres", "hermano", "hermana", "abuelo", "abuela", "nieto", "nieta", "tío", "tía", "sobrino", "sobrina",
       "primo", "prima", "suegro", "suegra", "yerno", "nuera", "cuñado", "cuñada", "padrastro", "madrastra", "hijastro",
       "hijastra", "bisabuelo", "bisabuela", "bisnieto", "bisnieta", "padrino", "madrina", "ahijado", "ahijada",
       "novio", "novia", "prometido", "prometida", "viudo", "viuda", "gemelo", "gemela", "político", "política",
       // Spanish: household, friends, care, legal standing
       "amigo", "amiga", "vecino", "vecina", "compañero", "compañera", "cuidador", "cuidadora", "familiar", "pariente",
       "tutor", "tutora", "apoderado", "apoderada", "representante", "agente", "legal", "de", "la", "el", "del",
       "salud", "atención", "médica", "enfermera", "enfermero", "albacea", "mismo", "misma", "yo"});
  return kRelationships;
}

Lexicon Lexicon::Load(const std::vector<fs::path>& files) {
  Lexicon lexicon;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    const bool spanish = file.filename() == "spanish";
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      // Possessives ("Doré's") add nothing a reading of a form needs.
      if (line.empty() || line.find('\'') != std::string::npos) continue;
      std::string folded = Fold(line);
      if (folded.empty()) continue;
      if (spanish) lexicon.words_.push_back(SpanishPlural(folded));
      lexicon.words_.push_back(std::move(folded));
    }
  }
  std::sort(lexicon.words_.begin(), lexicon.words_.end());
  lexicon.words_.erase(std::unique(lexicon.words_.begin(), lexicon.words_.end()), lexicon.words_.end());
  lexicon.words_.shrink_to_fit();
  return lexicon;
}

const Lexicon& Lexicon::Default() {
  static const Lexicon lexicon = Load(DefaultLexiconFiles());
  return lexicon;
}

bool Lexicon::Contains(std::string_view word) const {
  const std::string folded = Fold(word);
  return !folded.empty() && std::binary_search(words_.begin(), words_.end(), folded);
}

bool Lexicon::Knows(std::string_view text) const {
  std::string word;
  bool after_digits = false;
  auto known = [&] {
    return after_digits || word.size() <= 1 || std::binary_search(words_.begin(), words_.end(), word);
  };
  // Folded, a letter is one byte 'A'..'Z'; any other byte ends a word.
  for (const char c : FoldLetters(text)) {
    if (Capital(c)) {
      word.push_back(c);
    } else {
      if (!known()) return false;
      word.clear();
      after_digits = c >= '0' && c <= '9';
    }
  }
  return known();
}

Lexicon::Range Lexicon::Extend(Range range, char folded) const {
  // Inside a range every word shares the first `depth` letters and the words
  // are sorted, so those with `folded` next are one run (a word ending at
  // `depth` sorts first: its missing letter compares as '\0').
  auto letter = [&](std::uint32_t i) { return words_[i].size() > range.depth ? words_[i][range.depth] : '\0'; };
  std::uint32_t lo = range.begin, hi = range.end;
  while (lo < hi) {  // first with letter >= folded
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (letter(mid) < folded)
      lo = mid + 1;
    else
      hi = mid;
  }
  std::uint32_t end = lo;
  hi = range.end;
  while (end < hi) {  // first with letter > folded
    const std::uint32_t mid = end + (hi - end) / 2;
    if (letter(mid) <= folded)
      end = mid + 1;
    else
      hi = mid;
  }
  return {lo, end, range.depth + 1};
}

std::vector<fs::path> DefaultLexiconFiles() {
  return {"/usr/share/dict/american-english-huge", "/usr/share/dict/spanish"};
}

}  // namespace intake
