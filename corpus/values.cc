#include "corpus/values.h"

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

namespace intake::corpus_detail {
namespace {

using std::chrono::days;
using std::chrono::year_month_day;

// ---- UTF-8 for the Latin-1 letters of Spanish names -------------------------

std::u32string Decode(const std::string& text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(c);
      i += 1;
    } else if ((c >> 5) == 0x6 && i + 1 < text.size()) {
      out.push_back(((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F));
      i += 2;
    } else if ((c >> 4) == 0xE && i + 2 < text.size()) {
      out.push_back(((c & 0x0F) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3F) << 6) |
                    (static_cast<unsigned char>(text[i + 2]) & 0x3F));
      i += 3;
    } else {
      out.push_back(U'?');
      i += 1;
    }
  }
  return out;
}

std::string Encode(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

char32_t Unaccented(char32_t c) {
  static const std::u32string from = U"ÁÀÄÂÉÈËÊÍÌÏÎÓÒÖÔÚÙÜÛÑÇáàäâéèëêíìïîóòöôúùüûñç";
  static const std::u32string to = U"AAAAEEEEIIIIOOOOUUUUNCaaaaeeeeiiiioooouuuunc";
  const std::size_t at = from.find(c);
  return at == std::u32string::npos ? c : to[at];
}

std::string Lower(std::string text) {
  std::u32string s = Decode(text);
  for (char32_t& c : s) {
    if ((c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) c += 0x20;
  }
  return Encode(s);
}

// ---- Places -----------------------------------------------------------------

struct Town {
  const char* city;
  const char* state;
  std::vector<const char*> zips;
};

const std::vector<Town>& MassTowns() {
  static const std::vector<Town> towns = {
      {"Boston", "MA", {"02115", "02116", "02118", "02120", "02127", "02134"}},
      {"Dorchester", "MA", {"02121", "02122", "02124", "02125"}},
      {"Roxbury", "MA", {"02119"}},
      {"Jamaica Plain", "MA", {"02130"}},
      {"East Boston", "MA", {"02128"}},
      {"Hyde Park", "MA", {"02136"}},
      {"Cambridge", "MA", {"02138", "02139", "02140", "02141"}},
      {"Somerville", "MA", {"02143", "02144", "02145"}},
      {"Brookline", "MA", {"02445", "02446"}},
      {"Newton", "MA", {"02458", "02459", "02460"}},
      {"Quincy", "MA", {"02169", "02170", "02171"}},
      {"Chelsea", "MA", {"02150"}},
      {"Revere", "MA", {"02151"}},
      {"Everett", "MA", {"02149"}},
      {"Malden", "MA", {"02148"}},
      {"Medford", "MA", {"02155"}},
      {"Lynn", "MA", {"01901", "01902", "01904", "01905"}},
      {"Salem", "MA", {"01970"}},
      {"Lawrence", "MA", {"01840", "01841", "01843"}},
      {"Lowell", "MA", {"01850", "01851", "01852", "01854"}},
      {"Worcester", "MA", {"01602", "01603", "01604", "01605", "01609"}},
      {"Springfield", "MA", {"01103", "01104", "01105", "01107", "01108", "01109"}},
      {"Framingham", "MA", {"01701", "01702"}},
      {"Waltham", "MA", {"02451", "02452", "02453"}},
      {"Brockton", "MA", {"02301", "02302"}},
      {"Fall River", "MA", {"02720", "02721", "02723", "02724"}},
      {"New Bedford", "MA", {"02740", "02744", "02745", "02746"}},
      {"Randolph", "MA", {"02368"}},
      {"Milton", "MA", {"02186"}},
      {"Dedham", "MA", {"02026"}},
      {"Weymouth", "MA", {"02188", "02189", "02190", "02191"}},
      {"Taunton", "MA", {"02780"}},
      {"Haverhill", "MA", {"01830", "01832", "01835"}},
      {"Pittsfield", "MA", {"01201"}},
      {"Holyoke", "MA", {"01040"}},
      {"Chicopee", "MA", {"01013", "01020"}},
      {"Marlborough", "MA", {"01752"}},
      {"Natick", "MA", {"01760"}},
      {"Braintree", "MA", {"02184"}},
      {"Peabody", "MA", {"01960"}},
      {"Methuen", "MA", {"01844"}},
      {"Attleboro", "MA", {"02703"}},
      {"Plymouth", "MA", {"02360"}},
      {"Fitchburg", "MA", {"01420"}},
  };
  return towns;
}

const std::vector<Town>& OtherTowns() {
  static const std::vector<Town> towns = {
      {"Providence", "RI", {"02903", "02906", "02908"}},
      {"Pawtucket", "RI", {"02860"}},
      {"Warwick", "RI", {"02886"}},
      {"Nashua", "NH", {"03060", "03062", "03064"}},
      {"Manchester", "NH", {"03101", "03102", "03103", "03104"}},
      {"Portsmouth", "NH", {"03801"}},
      {"Hartford", "CT", {"06103", "06105", "06106"}},
      {"New Haven", "CT", {"06510", "06511"}},
      {"Portland", "ME", {"04101", "04102"}},
      {"Burlington", "VT", {"05401"}},
      {"Albany", "NY", {"12203", "12206"}},
      {"New York", "NY", {"10001", "10016", "10025"}},
      {"Brooklyn", "NY", {"11201", "11215"}},
      {"Miami", "FL", {"33125", "33130"}},
      {"Orlando", "FL", {"32801"}},
      {"San Juan", "PR", {"00901", "00907"}},
      {"Philadelphia", "PA", {"19103", "19104"}},
      {"Chicago", "IL", {"60601", "60614"}},
      {"Houston", "TX", {"77002"}},
  };
  return towns;
}

std::string AreaCode(Rng& rng, const std::string& state) {
  static const std::map<std::string, std::vector<std::string>> codes = {
      {"MA", {"617", "857", "781", "339", "508", "774", "978", "351", "413"}},
      {"RI", {"401"}}, {"NH", {"603"}}, {"CT", {"860", "203"}}, {"ME", {"207"}}, {"VT", {"802"}},
      {"NY", {"212", "718", "518"}}, {"FL", {"305", "407"}}, {"PR", {"787"}}, {"PA", {"215"}},
      {"IL", {"312"}}, {"TX", {"713"}}};
  const auto it = codes.find(state);
  // People keep their old number when they move: a third have a Massachusetts one.
  if (it == codes.end() || rng.Chance(0.3)) return rng.Pick(codes.at("MA"));
  return rng.Pick(it->second);
}

const std::vector<std::string> kStreets = {
    "Washington St", "Main St",       "Centre St",     "Tremont St",     "Massachusetts Ave", "Commonwealth Ave",
    "Beacon St",     "Blue Hill Ave", "Dorchester Ave", "Huntington Ave", "Harvard St",       "Broadway",
    "Elm St",        "Park St",       "Union St",      "Adams St",       "Hancock St",        "Franklin St",
    "Bennington St", "Saratoga St",   "Shawmut Ave",   "Boylston St",    "Columbus Ave",      "Brighton Ave",
    "Cambridge St",  "Salem St",      "Summer St",     "Pleasant St",    "School St",         "Maple Ave",
    "Oak St",        "Highland Ave",  "Chestnut St",   "Water St",       "Walnut St",         "Prospect St"};

// ---- Names ------------------------------------------------------------------

const std::vector<std::string> kFirstEn = {
    "James",   "Mary",     "Robert",  "Patricia", "John",     "Jennifer", "Michael", "Linda",   "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan",    "Joseph",   "Jessica", "Thomas",  "Sarah",
    "Christopher", "Karen", "Daniel",  "Nancy",   "Matthew",  "Lisa",     "Anthony", "Betty",   "Mark",
    "Margaret", "Steven",  "Sandra",   "Paul",    "Ashley",   "Andrew",   "Kimberly", "Joshua", "Emily",
    "Kevin",   "Donna",    "Brian",   "Michelle", "George",   "Carol",    "Timothy", "Amanda",  "Ronald",
    "Melissa", "Edward",   "Deborah", "Keisha",   "Tyrone",   "Aaliyah",  "DeShawn", "Mei",     "Wei",
    "Minh",    "Anh",      "Priya",   "Rahul",    "Fatima",   "Omar",     "Colleen", "Maureen", "Siobhan",
    "Patrick", "Brendan",  "Erin",    "Nicole",   "Brenda",   "Ruth",     "Joan",    "Tunde",   "Chidi"};
const std::vector<std::string> kLastEn = {
    "Smith",    "Johnson",  "Williams", "Brown",    "Jones",    "Miller",  "Davis",    "Wilson",  "Anderson",
    "Taylor",   "Thomas",   "Moore",    "Jackson",  "Martin",   "Lee",     "Thompson", "White",   "Harris",
    "Clark",    "Lewis",    "Robinson", "Walker",   "Young",    "Allen",   "King",     "Wright",  "Scott",
    "Green",    "Baker",    "Adams",    "Nelson",   "Hill",     "Campbell", "Mitchell", "Roberts", "Carter",
    "Phillips", "Evans",    "Turner",   "Murphy",   "O'Brien",  "Sullivan", "Kelly",   "McCarthy", "Flaherty",
    "Nguyen",   "Tran",     "Pham",     "Chen",     "Wang",     "Li",      "Patel",    "Shah",    "Cohen",
    "Goldberg", "DeLuca",   "Russo",    "Rossi",    "Costa",    "Silva",   "Pereira",  "Oliveira", "Weinstein",
    "Okafor",   "Mensah",   "Oyelaran"};
const std::vector<std::string> kFirstEs = {
    "José",     "María",    "Juan",     "Ana",      "Luis",     "Carmen",   "Carlos",  "Rosa",     "Jorge",
    "Lucía",    "Andrés",   "Sofía",    "Héctor",   "Mónica",   "Efraín",   "Inés",    "Ramón",    "Raúl",
    "Germán",   "Adrián",   "Julián",   "Martín",   "Iván",     "Rubén",    "Sebastián", "Ángel",  "Yaritza",
    "Guadalupe", "Natalia", "Camila",   "Alejandro", "Fernando", "Wilfredo", "Daniela", "Jesús",   "Begoña",
    "Belén",    "Ximena",   "Valentina", "Dolores", "Ramona",   "Joaquín",  "Noemí",   "Zoé",      "Marisol"};
const std::vector<std::string> kLastEs = {
    "García",    "Rodríguez", "Martínez", "Hernández", "López",  "González", "Pérez",   "Sánchez", "Ramírez",
    "Torres",    "Flores",    "Rivera",   "Gómez",     "Díaz",   "Cruz",     "Morales", "Reyes",   "Gutiérrez",
    "Ortiz",     "Chávez",    "Ramos",    "Ruiz",      "Jiménez", "Álvarez", "Romero",  "Vázquez", "Castro",
    "Núñez",     "Peña",      "Acuña",    "Muñoz",     "Guzmán", "Fernández", "Benítez", "Ríos",   "Suárez",
    "Méndez",    "Ibáñez",    "Zúñiga",   "Castañeda", "Ordóñez", "Quiñones", "Santana", "Figueroa", "Delgado",
    "Vega",      "Medina",    "Aguilar"};

std::string MakeAddressLine(Rng& rng) {
  std::string line = std::to_string(rng.Chance(0.5) ? rng.Int(1, 199) : rng.Int(200, 3999)) + " " + rng.Pick(kStreets);
  if (rng.Chance(0.2)) {
    static const std::vector<std::string> units = {", Apt 2", " #3R", " Apt 1L", " Unit 4B", ", Apt 12", " #2"};
    line += rng.Pick(units);
  }
  return line;
}

Address MakeAddress(Rng& rng, bool in_state) {
  const Town& town = rng.Pick(in_state ? MassTowns() : OtherTowns());
  Address address;
  address.street = MakeAddressLine(rng);
  address.city = town.city;
  address.state = town.state;
  address.zip = town.zips[static_cast<std::size_t>(rng.Int(0, static_cast<int>(town.zips.size()) - 1))];
  if (rng.Chance(0.15)) {
    char plus4[8];
    std::snprintf(plus4, sizeof plus4, "-%04d", rng.Int(1, 9999));
    address.zip += plus4;
  }
  return address;
}

std::string Ascii(const std::string& text) {
  std::string out;
  for (char c : StripAccents(text)) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

std::string MakeEmail(Rng& rng, const std::string& first, const std::string& last, int birth_year) {
  const std::string f = Ascii(first), l = Ascii(last);
  char number[8];
  std::snprintf(number, sizeof number, "%d", birth_year % 100);
  switch (rng.Int(0, 3)) {
    case 0: return f + "." + l + "@example.org";
    case 1: return f.substr(0, 1) + l + "@inbox.example.net";
    case 2: return f + "_" + l + number + "@example.com";
    default: return l + f.substr(0, 1) + std::to_string(rng.Int(10, 999)) + "@example.org";
  }
}

int YearOf(Day day) { return static_cast<int>(year_month_day(day).year()); }

Day Years(Day day, int years) {
  year_month_day ymd(day);
  year_month_day moved = (ymd.year() + std::chrono::years(years)) / ymd.month() / ymd.day();
  if (!moved.ok()) moved = (ymd.year() + std::chrono::years(years)) / ymd.month() / std::chrono::last;
  return Day(moved);
}

// ---- Phrases ------------------------------------------------------------------

struct Story {
  const char* record_type;
  const char* incorrect;
  const char* correction;
  const char* reason;
};

const std::vector<Story> kStoriesEn = {
    {"Demographics", "Last name is misspelled in my record.", "Correct spelling is {last}.",
     "All my documents use this spelling. Copy of license attached."},
    {"Allergy list", "My allergy list says I am allergic to {drug}.", "Remove {drug} from my allergies.",
     "I have taken {drug} many times with no reaction. My pharmacy records show this."},
    {"Progress note", "Smoking status says current smoker.", "I quit smoking in {year} and have not smoked since.",
     "This affects my life insurance rates."},
    {"Medication list", "My medication list still shows {drug}.", "{drug} was stopped in {year}.",
     "My doctor stopped it and I no longer take it."},
    {"Progress note", "The note says I have a history of {condition}.", "Remove {condition} from my history.",
     "I have never been diagnosed with {condition}. It is another patient's information."},
    {"Lab report", "The report lists the wrong date of collection.", "The blood was drawn on {date}.",
     "I was out of the country on the date shown. My passport shows this."},
};
const std::vector<Story> kStoriesEs = {
    {"Datos demográficos", "Mi apellido está mal escrito en mi expediente.", "La ortografía correcta es {last}.",
     "Todos mis documentos usan esta ortografía. Adjunto copia de mi licencia."},
    {"Lista de alergias", "Mi lista de alergias dice que soy alérgico a {drug}.", "Eliminar {drug} de mis alergias.",
     "He tomado {drug} muchas veces sin reacción."},
    {"Nota de evolución", "La nota dice que tengo antecedentes de {condition}.", "Eliminar {condition} de mi historial.",
     "Nunca me han diagnosticado {condition}. Es información de otro paciente."},
    {"Lista de medicamentos", "Mi lista de medicamentos todavía muestra {drug}.", "{drug} se suspendió en {year}.",
     "Mi médico lo suspendió y ya no lo tomo."},
};
const std::vector<std::string> kDrugs = {"oxycodone", "penicillin", "metformin", "lisinopril", "atorvastatin",
                                         "amoxicillin", "ibuprofen", "sertraline", "warfarin", "insulin glargine"};
const std::vector<std::string> kConditionsEn = {"a heart attack", "diabetes", "asthma", "hepatitis C",
                                                "kidney disease", "a stroke"};
const std::vector<std::string> kConditionsEs = {"un infarto", "diabetes", "asma", "hepatitis C",
                                                "enfermedad renal", "un derrame cerebral"};

std::string Replace(std::string text, const std::string& what, const std::string& with) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

// ---- Writing values the way people write them ---------------------------------

enum class DateStyle { kPadded, kShortYear, kLongYear };

std::string WriteDate(Day day, DateStyle style) {
  const year_month_day ymd(day);
  const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  const int y = static_cast<int>(ymd.year());
  char text[16];
  switch (style) {
    case DateStyle::kPadded: std::snprintf(text, sizeof text, "%02u/%02u/%04d", m, d, y); break;
    case DateStyle::kShortYear: std::snprintf(text, sizeof text, "%u/%u/%02d", m, d, y % 100); break;
    case DateStyle::kLongYear: std::snprintf(text, sizeof text, "%u/%u/%04d", m, d, y); break;
  }
  return text;
}

std::string WritePhone(const std::string& digits, int style) {
  const std::string a = digits.substr(0, 3), b = digits.substr(3, 3), c = digits.substr(6);
  switch (style) {
    case 0: return "(" + a + ") " + b + "-" + c;
    case 1: return a + "-" + b + "-" + c;
    case 2: return a + "." + b + "." + c;
    default: return digits;
  }
}

// A key segment like "person2": rows of repeated fields, filled from the first.
std::optional<std::pair<std::string, int>> RowOf(const std::string& key) {
  static const std::regex row(R"((^|.*\.)([a-z_]+?)(\d+)\..*)");
  std::smatch m;
  if (!std::regex_match(key, m, row)) return std::nullopt;
  return std::make_pair(m[1].str() + m[2].str(), std::stoi(m[3].str()));
}

// True when a word of the key (split at '.' and '_') starts with `prefix`:
// "amendment.service_date" has "service" and "date", not "end".
bool Word(const std::string& key, std::string_view prefix) {
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t end = std::min(key.find_first_of("._", start), key.size());
    if (std::string_view(key).substr(start, end - start).rfind(prefix, 0) == 0) return true;
    start = end + 1;
  }
  return false;
}
bool StartsWith(const std::string& text, std::string_view part) { return text.rfind(part, 0) == 0; }

class Filler {
 public:
  Filler(const FillRequest& request, Rng& rng)
      : request_(request), form_(*request.form), rng_(rng), spanish_(form_.language == "es") {}

  FilledForm Fill();

 private:
  bool Hard(HardCase c) const {
    return std::find(request_.hard_cases.begin(), request_.hard_cases.end(), c) != request_.hard_cases.end();
  }
  bool HasText(const std::string& key) const {
    const TemplateField* field = form_.Field(key);
    return field && (field->kind == FieldKind::kText || field->kind == FieldKind::kInitials);
  }
  std::vector<std::string> OptionsOf(const std::string& group) const {
    std::vector<std::string> options;
    for (const TemplateField& f : form_.fields) {
      if (f.kind == FieldKind::kCheckbox && f.group == group) options.push_back(f.option);
    }
    return options;
  }
  // Rough number of characters a field holds when written by hand.
  std::size_t Capacity(const TemplateField& field) const {
    const double size = std::clamp(field.rect.h / std::max(1, field.lines) * 0.62, 7.0, 15.0);
    return static_cast<std::size_t>(field.lines * field.rect.w / (0.62 * size));
  }

  void ChoosePeople();
  void ChooseGroups();
  void ChooseReleaseItems(const std::string& group, const std::vector<std::string>& options);
  std::optional<std::string> TextFor(const TemplateField& field);
  std::optional<std::string> PersonValue(const TemplateField& field, const Person& person);
  std::string Fit(const TemplateField& field, std::vector<std::string> candidates);
  std::optional<std::string> OtherTextKey(const std::string& group) const;
  std::string Style(const std::string& text) const;
  // A date as this person writes it; remembered for the truth.
  std::string DateText(Day day) {
    last_date_ = day;
    return WriteDate(day, date_style_);
  }
  WrittenValue Written(const TemplateField& field, const std::string& text) const;
  std::string WrongValue(const WrittenValue& right);

  const FillRequest& request_;
  const FormTemplate& form_;
  Rng& rng_;
  const bool spanish_;
  FilledForm out_;

  Person patient_;
  std::optional<Person> representative_;
  std::string authority_;  // checked option of the signer's authority group, or empty
  bool signer_name_blank_ = false;
  Day signed_on_{};
  Day range_from_{}, range_to_{};
  bool has_range_ = false;
  int expiration_choice_ = 0;  // 0 blank, 1 date, 2 event
  Day expiration_{};
  int recipient_kind_ = 0;  // 0 self, 1 provider, 2 attorney, 3 agency
  Organization recipient_org_;
  std::optional<Person> recipient_person_;
  std::map<int, Person> rows_;
  std::map<int, std::string> row_relationships_;
  int rows_filled_ = 1;
  bool imaging_ = false;  // the imaging fields describe what is asked
  std::set<std::string> other_text_keys_;   // text fields that go with a checked "other"
  std::set<std::string> gated_other_keys_;  // text fields that go with any "other" option
  double initials_share_ = 0;
  Story story_{};
  std::string story_drug_, story_condition_;
  int story_year_ = 2020;
  DateStyle date_style_ = DateStyle::kPadded;
  Day last_date_{};
  int phone_style_ = 0;
  bool drop_accents_ = false;
  bool mi_period_ = false;
};

std::string Filler::Style(const std::string& text) const {
  std::string styled = drop_accents_ ? StripAccents(text) : text;
  return out_.uppercase ? UpperUtf8(styled) : styled;
}

WrittenValue Filler::Written(const TemplateField& field, const std::string& text) const {
  if (field.format != FieldFormat::kPhone) return {Style(text), Style(text)};
  std::string digits;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  return {WritePhone(digits, phone_style_), digits};
}

void Filler::ChoosePeople() {
  const bool spanish_names = rng_.Chance(spanish_ ? 0.9 : 0.25);
  signed_on_ = request_.received - days(rng_.Int(0, 21));
  if (Hard(HardCase::kExpired)) signed_on_ = request_.received - days(rng_.Int(90, 330));

  int age;
  bool minor = false;
  if (Hard(HardCase::kMinorSelf)) {
    age = rng_.Int(16, 17);
    minor = true;
  } else if (rng_.Chance(0.08)) {
    age = rng_.Int(3, 17);
    minor = true;
  } else {
    age = rng_.Chance(0.25) ? rng_.Int(66, 94) : rng_.Int(18, 65);
  }
  const Day dob = Years(signed_on_, -age) - days(rng_.Int(1, 364));
  patient_ = MakePerson(rng_, spanish_names, dob);

  const std::vector<std::string> authorities = [&] {
    for (const std::string& group : form_.Groups()) {
      const std::vector<std::string> options = OptionsOf(group);
      if (std::find(options.begin(), options.end(), "self") != options.end()) return options;
    }
    return std::vector<std::string>{};
  }();
  auto has = [&](const std::string& o) { return std::find(authorities.begin(), authorities.end(), o) != authorities.end(); };

  if (minor && !Hard(HardCase::kMinorSelf)) {
    Person parent = MakePerson(rng_, spanish_names, Years(signed_on_, -rng_.Int(28, 55)));
    parent.last = patient_.last;
    parent.address = patient_.address;
    representative_ = parent;
    authority_ = has("parent") && rng_.Chance(0.85) ? "parent" : has("guardian") ? "guardian" : "";
  } else if (!minor && rng_.Chance(age > 70 ? 0.3 : 0.06)) {
    Person agent = MakePerson(rng_, spanish_names, Years(signed_on_, -rng_.Int(30, 70)));
    if (rng_.Chance(0.6)) agent.last = patient_.last;
    representative_ = agent;
    std::vector<std::string> adult_options;
    for (const char* o : {"guardian", "health_care_proxy", "personal_representative"}) {
      if (has(o)) adult_options.push_back(o);
    }
    authority_ = adult_options.empty() ? "" : rng_.Pick(adult_options);
  } else {
    authority_ = has("self") && (Hard(HardCase::kMinorSelf) || rng_.Chance(0.8)) ? "self" : "";
    signer_name_blank_ = !Hard(HardCase::kMinorSelf) && rng_.Chance(0.08);
  }
  // Someone signing for the patient must say by what right (AUTH-14), or the
  // form is not clean; with no authority group there is nothing to say it with.
  if (representative_ && authority_.empty()) representative_.reset();

  recipient_kind_ = static_cast<int>(rng_.Weighted({0.3, 0.35, 0.2, 0.15}));
  recipient_org_ = MakeOrganization(rng_, spanish_names && rng_.Chance(0.5), false);
  if (recipient_kind_ == 2 || (recipient_kind_ == 1 && rng_.Chance(0.3))) {
    recipient_person_ = MakePerson(rng_, rng_.Chance(0.2), Years(signed_on_, -rng_.Int(30, 65)));
  }

  rows_filled_ = static_cast<int>(rng_.Weighted({0.5, 0.35, 0.15})) + 1;
  static const std::vector<std::string> rel_en = {"Spouse", "Wife",   "Husband", "Son",     "Daughter", "Mother",
                                                  "Father", "Sister", "Brother", "Caregiver", "Partner", "Friend",
                                                  "Niece",  "Grandson"};
  static const std::vector<std::string> rel_es = {"Esposo", "Esposa",  "Hijo",     "Hija",  "Madre", "Padre",
                                                  "Hermana", "Hermano", "Nieta",   "Nieto", "Tía",   "Cuidadora",
                                                  "Amiga",  "Pareja"};
  for (int row = 1; row <= 9; ++row) {
    Person p = MakePerson(rng_, spanish_names, Years(signed_on_, -rng_.Int(20, 80)));
    if (rng_.Chance(0.6)) p.last = patient_.last;
    rows_[row] = p;
    row_relationships_[row] = rng_.Pick(spanish_ ? rel_es : rel_en);
  }

  has_range_ = rng_.Chance(0.4);
  range_from_ = signed_on_ - days(rng_.Int(60, 1500));
  range_to_ = std::min(signed_on_, range_from_ + days(rng_.Int(20, 500)));

  if (Hard(HardCase::kExpired)) {
    expiration_choice_ = 1;
    const int span = static_cast<int>((request_.received - signed_on_).count());
    expiration_ = signed_on_ + days(rng_.Int(10, std::max(11, span - 2)));
  } else {
    expiration_choice_ = static_cast<int>(rng_.Weighted({0.5, 0.35, 0.15}));
    expiration_ = request_.received + days(rng_.Int(60, 720));
  }
  initials_share_ = rng_.Chance(0.4) ? rng_.Uniform(0.2, 0.8) : 0.0;
  story_ = rng_.Pick(spanish_ ? kStoriesEs : kStoriesEn);
  story_drug_ = rng_.Pick(kDrugs);
  story_condition_ = rng_.Pick(spanish_ ? kConditionsEs : kConditionsEn);
  story_year_ = YearOf(signed_on_) - rng_.Int(1, 4);
}

std::optional<std::string> Filler::OtherTextKey(const std::string& group) const {
  std::vector<std::string> candidates = {group + ".other_text", group + ".other"};
  const std::size_t dot = group.rfind('.');
  if (dot != std::string::npos) {
    candidates.push_back(group.substr(0, dot) + ".other");
    candidates.push_back(group.substr(0, dot) + ".other_text");
  }
  for (const std::string& key : candidates) {
    if (HasText(key)) return key;
  }
  return std::nullopt;
}

void Filler::ChooseReleaseItems(const std::string& group, const std::vector<std::string>& options) {
  std::vector<std::string> records;
  for (const std::string& o : options) {
    if (o != "imaging_cd" && o != "other") records.push_back(o);
  }
  std::vector<std::string>& checked = out_.checked[group];
  const bool imaging_line = request_.fax_line == "imaging";
  if (Hard(HardCase::kNoItemChecked)) {
    out_.auth_kind = imaging_line ? "imaging_noitems" : "none";
    imaging_ = imaging_line && rng_.Chance(0.5);
    return;
  }
  auto add_records = [&](int count) {
    rng_.Shuffle(records);
    for (int i = 0; i < count && i < static_cast<int>(records.size()); ++i) checked.push_back(records[i]);
  };
  if (request_.wants_imaging) {
    imaging_ = true;
    if (imaging_line && rng_.Chance(0.2)) {
      out_.auth_kind = "imaging_noitems";
    } else if (rng_.Chance(0.6)) {
      out_.auth_kind = "imaging_only";
      checked.push_back("imaging_cd");
    } else {
      out_.auth_kind = "imaging_plus";
      checked.push_back("imaging_cd");
      add_records(rng_.Int(1, 2));
    }
  } else {
    out_.auth_kind = "records";
    add_records(static_cast<int>(rng_.Weighted({0.4, 0.3, 0.2, 0.1})) + 1);
    if (rng_.Chance(0.15) && std::find(options.begin(), options.end(), "other") != options.end()) {
      checked.push_back("other");
    }
  }
}

void Filler::ChooseGroups() {
  for (const std::string& group : form_.Groups()) {
    const std::vector<std::string> options = OptionsOf(group);
    std::vector<std::string>& checked = out_.checked[group];
    auto has = [&](const char* o) { return std::find(options.begin(), options.end(), o) != options.end(); };
    if (const auto other = OtherTextKey(group); other && has("other")) gated_other_keys_.insert(*other);
    if (has("imaging_cd")) {
      ChooseReleaseItems(group, options);
    } else if (has("self")) {
      if (!authority_.empty()) checked.push_back(authority_);
    } else if (has("release_to")) {
      const std::size_t pick = rng_.Weighted({0.85, 0.1, 0.05});
      if (pick == 0) checked.push_back("release_to");
      if (pick == 2 && has("obtain_from")) checked.push_back("obtain_from");
    } else {
      // Any other group: one to three options; an "all ..." option stands alone.
      std::vector<std::string> pool = options;
      rng_.Shuffle(pool);
      const int count = static_cast<int>(rng_.Weighted({0.6, 0.3, 0.1})) + 1;
      for (const std::string& o : pool) {
        if (static_cast<int>(checked.size()) == count) break;
        if (o == "other" && !rng_.Chance(0.3)) continue;
        if (StartsWith(o, "all")) {
          if (checked.empty() && rng_.Chance(0.5)) {
            checked.push_back(o);
            break;
          }
          continue;
        }
        checked.push_back(o);
      }
      if (checked.empty()) checked.push_back(options.front());
    }
    std::sort(checked.begin(), checked.end());
    if (std::find(checked.begin(), checked.end(), "other") != checked.end()) {
      if (const auto key = OtherTextKey(group)) other_text_keys_.insert(*key);
    }
  }
}

std::string Filler::Fit(const TemplateField& field, std::vector<std::string> candidates) {
  const std::size_t capacity = Capacity(field);
  std::vector<std::string> fitting;
  for (std::string& c : candidates) {
    if (Decode(c).size() <= capacity) fitting.push_back(std::move(c));
  }
  if (fitting.empty()) {
    // Nothing fits: the shortest, which the renderer writes smaller.
    return *std::min_element(candidates.begin(), candidates.end(),
                             [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  }
  return rng_.Pick(fitting);
}

std::optional<std::string> Filler::PersonValue(const TemplateField& field, const Person& person) {
  const std::string& key = field.key;
  switch (field.format) {
    case FieldFormat::kName:
      if (Word(key, "last")) return person.last;
      if (Word(key, "first")) return person.first;
      return person.FullName();
    case FieldFormat::kInitial:
      if (person.middle.empty()) return std::nullopt;
      return person.middle + (mi_period_ ? "." : "");
    case FieldFormat::kDate: return DateText(person.dob);
    case FieldFormat::kPhone: return person.phone;
    case FieldFormat::kEmail: return person.email.empty() ? std::nullopt : std::optional<std::string>(person.email);
    case FieldFormat::kStreet: return person.address.street;
    case FieldFormat::kCity: return person.address.city;
    case FieldFormat::kState: return person.address.state;
    case FieldFormat::kZip: return person.address.zip;
    default: return std::nullopt;
  }
}

std::optional<std::string> Filler::TextFor(const TemplateField& field) {
  const std::string& key = field.key;
  const FieldFormat format = field.format;

  if (gated_other_keys_.count(key)) {
    if (!other_text_keys_.count(key)) return std::nullopt;
    if (Word(key, "purpose")) {
      return Fit(field, spanish_ ? std::vector<std::string>{"Trámite de inmigración", "Inscripción escolar",
                                                            "Segunda opinión", "Seguro de vida"}
                                 : std::vector<std::string>{"Immigration (USCIS)", "School enrollment",
                                                            "Second opinion", "Life insurance application"});
    }
    return Fit(field, spanish_ ? std::vector<std::string>{"Lista de medicamentos", "Notas de enfermería",
                                                          "Registro de vacunas", "Informe operatorio"}
                               : std::vector<std::string>{"Medication list", "Nursing notes", "Physical therapy notes",
                                                          "Immunization record", "Operative report", "EKG tracings"});
  }
  if (StartsWith(key, "imaging.")) {
    if (!imaging_) return std::nullopt;
    if (format == FieldFormat::kDate) return DateText(signed_on_ - days(rng_.Int(20, 900)));
    return Fit(field, spanish_ ? std::vector<std::string>{"Tomografía de cabeza", "Radiografía de tórax",
                                                          "Resonancia de rodilla", "Ecografía abdominal",
                                                          "Mamografía bilateral", "Densitometría ósea"}
                               : std::vector<std::string>{"XR chest 2 views", "CT head without contrast",
                                                          "MRI lumbar spine", "US abdomen complete",
                                                          "DEXA bone density", "Mammogram screening bilateral",
                                                          "MRI brain with and without contrast", "XR left knee 3 views"});
  }
  if (Word(key, "signer") && format == FieldFormat::kName) {
    if (signer_name_blank_) return std::nullopt;
    return representative_ ? representative_->FullName() : patient_.FullName();
  }
  if (StartsWith(key, "patient.")) {
    if (format == FieldFormat::kInitial && !rng_.Chance(0.5)) return std::nullopt;
    if (format == FieldFormat::kMrn) {
      if (!rng_.Chance(0.85)) return std::nullopt;
      std::string mrn = std::to_string(rng_.Int(1, 9));
      const int digits = rng_.Chance(0.75) ? 8 : 7;
      while (static_cast<int>(mrn.size()) < digits) mrn.push_back(static_cast<char>('0' + rng_.Int(0, 9)));
      return mrn;
    }
    if (format == FieldFormat::kEmail && !rng_.Chance(0.6)) return std::nullopt;
    return PersonValue(field, patient_);
  }
  if (StartsWith(key, "recipient.")) {
    const bool self = recipient_kind_ == 0;
    if (format == FieldFormat::kName) {
      if (self) return out_.uppercase || rng_.Chance(0.7) ? patient_.FullName() : "Self";
      if (!recipient_person_) return std::nullopt;
      return recipient_person_->FullName() + (recipient_kind_ == 2 ? ", Esq." : "");
    }
    if (self) {
      if (format == FieldFormat::kText || format == FieldFormat::kEmail) return std::nullopt;
      if (Word(key, "fax")) return std::nullopt;
      return PersonValue(field, patient_);
    }
    switch (format) {
      case FieldFormat::kText: return recipient_org_.name;
      case FieldFormat::kStreet: return recipient_org_.address.street;
      case FieldFormat::kCity: return recipient_org_.address.city;
      case FieldFormat::kState: return recipient_org_.address.state;
      case FieldFormat::kZip: return recipient_org_.address.zip;
      case FieldFormat::kEmail: return rng_.Chance(0.5) ? std::optional<std::string>(recipient_org_.email) : std::nullopt;
      case FieldFormat::kPhone:
        if (Word(key, "fax")) return rng_.Chance(0.7) ? std::optional(recipient_org_.fax) : std::nullopt;
        return recipient_org_.phone;
      default: return std::nullopt;
    }
  }
  if (const auto row = RowOf(key)) {
    if (row->second > rows_filled_) return std::nullopt;
    const Person& person = rows_.at(row->second);
    if (format == FieldFormat::kText || format == FieldFormat::kRelationship) return row_relationships_.at(row->second);
    return PersonValue(field, person);
  }
  if (format == FieldFormat::kDate) {
    if (Word(key, "dob") || Word(key, "birth")) return DateText(patient_.dob);
    if (Word(key, "sign")) {
      if (Hard(HardCase::kNoSignatureDate)) return std::nullopt;
      return DateText(signed_on_);
    }
    if (Word(key, "expir")) {
      return expiration_choice_ == 1 ? std::optional(DateText(expiration_)) : std::nullopt;
    }
    if (Word(key, "from") || Word(key, "start")) {
      return has_range_ ? std::optional(DateText(range_from_)) : std::nullopt;
    }
    if (Word(key, "to") || Word(key, "end") || Word(key, "until")) {
      return has_range_ ? std::optional(DateText(range_to_)) : std::nullopt;
    }
    return DateText(signed_on_ - days(rng_.Int(15, 700)));
  }
  if (format == FieldFormat::kInitials) {
    return rng_.Chance(initials_share_) ? std::optional(out_.patient_initials) : std::nullopt;
  }
  if (Word(key, "expir")) {
    return expiration_choice_ == 2
               ? std::optional(Fit(field, spanish_ ? std::vector<std::string>{"Al terminar el juicio",
                                                                              "Al cerrar mi reclamo"}
                                                   : std::vector<std::string>{"End of litigation",
                                                                              "When my claim is closed",
                                                                              "Upon completion of treatment"}))
               : std::nullopt;
  }
  const auto story = [&](const char* text) {
    std::string s = Replace(text, "{last}", patient_.last);
    s = Replace(s, "{drug}", story_drug_);
    s = Replace(s, "{condition}", story_condition_);
    s = Replace(s, "{year}", std::to_string(story_year_));
    s = Replace(s, "{date}", WriteDate(signed_on_ - days(rng_.Int(30, 400)), date_style_));
    return s;
  };
  if (Word(key, "type")) return story(story_.record_type);
  if (Word(key, "incorrect")) return story(story_.incorrect);
  if (Word(key, "correction")) return story(story_.correction);
  if (Word(key, "reason")) return story(story_.reason);
  if (Word(key, "notify")) {
    if (!rng_.Chance(0.3)) return std::nullopt;
    const Organization org = MakeOrganization(rng_, false, true);
    const Person doctor = MakePerson(rng_, rng_.Chance(0.3), patient_.dob);
    return "Dr. " + doctor.first + " " + doctor.last + ", " + org.name + ", " + org.address.street + ", " +
           org.address.city + " " + org.address.state + " " + org.address.zip;
  }
  if (Word(key, "exclu")) {
    if (!rng_.Chance(0.3)) return std::nullopt;
    return Fit(field, spanish_ ? std::vector<std::string>{"No dar mi dirección", "No hablar de mi salud mental",
                                                          "No dar información de facturación a mi hijo"}
                               : std::vector<std::string>{"Do not discuss my mental health care",
                                                          "Do not give out my address",
                                                          "No billing information to my son"});
  }
  // A field this generator has no word for: something a person might write.
  if (!rng_.Chance(0.7)) return std::nullopt;
  return Fit(field, spanish_ ? std::vector<std::string>{"Ver adjunto", "Según lo hablado", "Visita de control"}
                             : std::vector<std::string>{"See attached", "As discussed", "Follow-up visit"});
}

std::string Filler::WrongValue(const WrittenValue& right) {
  std::string wrong = right.text;
  // Change one digit or one letter: the slip a person corrects.
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < wrong.size(); ++i) {
    if (std::isalnum(static_cast<unsigned char>(wrong[i]))) positions.push_back(i);
  }
  if (positions.empty()) return wrong + "X";
  const std::size_t at = rng_.Pick(positions);
  const char c = wrong[at];
  if (std::isdigit(static_cast<unsigned char>(c))) {
    wrong[at] = static_cast<char>('0' + (c - '0' + rng_.Int(1, 8)) % 10);
  } else {
    const char base = std::isupper(static_cast<unsigned char>(c)) ? 'A' : 'a';
    wrong[at] = static_cast<char>(base + (c - base + rng_.Int(1, 24)) % 26);
  }
  return wrong;
}

FilledForm Filler::Fill() {
  const bool hand = request_.mode == FillMode::kHand;
  out_.uppercase = hand && rng_.Chance(0.8);
  drop_accents_ = out_.uppercase && rng_.Chance(0.2);
  date_style_ = hand ? static_cast<DateStyle>(rng_.Weighted({0.6, 0.25, 0.15})) : DateStyle::kPadded;
  phone_style_ = hand ? rng_.Int(0, 3) : rng_.Int(0, 1);
  mi_period_ = !hand && rng_.Chance(0.3);

  ChoosePeople();
  // The first letters of the signer's names, without accents: substr(0, 1)
  // of "Ángel" would be half a UTF-8 character.
  auto initials = [](const auto& person) {
    return StripAccents(person.first).substr(0, 1) + StripAccents(person.last).substr(0, 1);
  };
  out_.patient_initials = representative_ ? initials(*representative_) : initials(patient_);
  out_.patient_initials = UpperUtf8(out_.patient_initials);
  ChooseGroups();
  for (const TemplateField& field : form_.fields) {
    if (field.kind != FieldKind::kText && field.kind != FieldKind::kInitials) continue;
    std::optional<std::string> text = TextFor(field);
    if (!text || text->empty()) continue;
    if (field.format == FieldFormat::kEmail && !out_.uppercase) *text = Lower(*text);
    WrittenValue value = Written(field, *text);
    // The truth of a date is the date itself, however it was written.
    if (field.format == FieldFormat::kDate) value.truth = IsoDate(last_date_);
    out_.text[field.key] = value;
  }
  out_.signed_by_hand = !Hard(HardCase::kUnsigned);
  out_.signer_name = representative_ ? representative_->FullName() : patient_.FullName();
  out_.patient = patient_;

  if (Hard(HardCase::kCrossout)) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : out_.text) {
      const TemplateField* field = form_.Field(key);
      if (field->lines == 1 && field->kind == FieldKind::kText &&
          Decode(value.text).size() * 2 + 4 <= Capacity(*field)) {
        keys.push_back(key);
      }
    }
    if (!keys.empty()) {
      out_.crossout_key = rng_.Pick(keys);
      out_.crossout_wrong = WrongValue(out_.text.at(*out_.crossout_key));
    }
  }
  return out_;
}

}  // namespace

std::string IsoDate(Day day) {
  const year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

std::string UsDate(Day day) { return WriteDate(day, DateStyle::kPadded); }

std::string UpperUtf8(const std::string& text) {
  std::u32string s = Decode(text);
  for (char32_t& c : s) {
    if ((c >= U'a' && c <= U'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7)) c -= 0x20;
  }
  return Encode(s);
}

std::string StripAccents(const std::string& text) {
  std::u32string s = Decode(text);
  for (char32_t& c : s) c = Unaccented(c);
  return Encode(s);
}

bool IsAscii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string Person::FullName() const {
  return middle.empty() ? first + " " + last : first + " " + middle + ". " + last;
}

std::string MakePhone(Rng& rng, const std::string& state) {
  char tail[8];
  std::snprintf(tail, sizeof tail, "01%02d", rng.Int(0, 99));
  return AreaCode(rng, state) + "555" + tail;
}

Person MakePerson(Rng& rng, bool spanish, Day dob) {
  Person p;
  p.first = rng.Pick(spanish ? kFirstEs : kFirstEn);
  p.last = rng.Pick(spanish ? kLastEs : kLastEn);
  if (rng.Chance(0.5)) p.middle = std::string(1, static_cast<char>('A' + rng.Int(0, 25)));
  p.dob = dob;
  p.address = MakeAddress(rng, rng.Chance(0.85));
  p.phone = MakePhone(rng, p.address.state);
  p.email = MakeEmail(rng, p.first, p.last, YearOf(dob));
  return p;
}

Organization MakeOrganization(Rng& rng, bool spanish, bool clinic) {
  static const std::vector<std::string> places = {"Merrimack Valley", "North End",  "Riverbend",   "Blue Hills",
                                                  "Charles River",    "Harbor View", "Pioneer Valley", "Cape Ann",
                                                  "South Shore",      "Mystic Valley"};
  static const std::vector<std::string> kinds = {"Oncology",          "Primary Care",   "Community Health",
                                                 "Orthopedics",       "Pediatrics",     "Family Medicine",
                                                 "Cardiology Associates"};
  Organization org;
  if (clinic) {
    org.name = rng.Pick(places) + " " + rng.Pick(kinds);
  } else if (spanish) {
    static const std::vector<std::string> es = {"Clínica San Martín", "Centro de Salud La Esperanza",
                                                "Consultorio Médico Núñez", "Escuela Hernández K-8",
                                                "Clínica Familiar del Valle"};
    org.name = rng.Pick(es);
  } else {
    switch (rng.Int(0, 4)) {
      case 0:
      case 1: org.name = rng.Pick(places) + " " + rng.Pick(kinds); break;
      case 2: org.name = rng.Pick(kLastEn) + " " + rng.Pick(kLastEn) + " LLP"; break;
      case 3: org.name = rng.Pick(kLastEn) + " Legal Group"; break;
      default: {
        static const std::vector<std::string> agencies = {"Social Security Administration",
                                                          "Disability Determination Services",
                                                          "Bay State Mutual Life Insurance",
                                                          "Commonwealth Health Plan"};
        org.name = rng.Pick(agencies);
      }
    }
  }
  org.address = MakeAddress(rng, rng.Chance(0.8));
  org.phone = MakePhone(rng, org.address.state);
  org.fax = MakePhone(rng, org.address.state);
  org.email = (rng.Chance(0.5) ? "office@" : "records@") + Ascii(org.name).substr(0, 14) + ".example.com";
  return org;
}

std::string_view ToString(FillMode mode) {
  switch (mode) {
    case FillMode::kHand: return "hand";
    case FillMode::kTyped: return "typed";
    case FillMode::kEfill: return "efill";
  }
  return "hand";
}

std::string_view ToString(HardCase hard_case) {
  switch (hard_case) {
    case HardCase::kUnsigned: return "unsigned";
    case HardCase::kNoSignatureDate: return "missing_signature_date";
    case HardCase::kNoItemChecked: return "no_item_checked";
    case HardCase::kMissingPage: return "missing_page";
    case HardCase::kOutOfOrder: return "pages_out_of_order";
    case HardCase::kExpired: return "expired";
    case HardCase::kMinorSelf: return "minor_signed_as_self";
    case HardCase::kCrossout: return "crossout";
    case HardCase::kStrayMarks: return "stray_marks";
  }
  return "";
}

bool Applies(HardCase hard_case, const FormTemplate& form, FillMode mode) {
  const auto has_group_option = [&](std::string_view option) {
    return std::any_of(form.fields.begin(), form.fields.end(),
                       [&](const TemplateField& f) { return f.kind == FieldKind::kCheckbox && f.option == option; });
  };
  const auto has_date = [&](std::string_view part) {
    return std::any_of(form.fields.begin(), form.fields.end(), [&](const TemplateField& f) {
      return f.format == FieldFormat::kDate && Word(f.key, part);
    });
  };
  const bool paper = mode != FillMode::kEfill;
  switch (hard_case) {
    case HardCase::kUnsigned:
      return std::any_of(form.fields.begin(), form.fields.end(),
                         [](const TemplateField& f) { return f.kind == FieldKind::kSignature; });
    case HardCase::kNoSignatureDate: return has_date("sign");
    case HardCase::kNoItemChecked: return has_group_option("imaging_cd");
    case HardCase::kMissingPage:
    case HardCase::kOutOfOrder: return paper && form.pages.size() > 1;
    case HardCase::kExpired: return has_date("expir");
    // A minor consenting alone is a defect of an authorization to disclose
    // (MA-09): of a form that lists what to release.
    case HardCase::kMinorSelf: return has_group_option("imaging_cd") && has_group_option("self") && has_date("dob");
    case HardCase::kCrossout:
    case HardCase::kStrayMarks: return mode == FillMode::kHand;
  }
  return false;
}

FilledForm FillForm(const FillRequest& request, Rng& rng) { return Filler(request, rng).Fill(); }

namespace {

std::string FormatLongDate(Day day, bool spanish) {
  static const char* en[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};
  static const char* es[] = {"enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
                             "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
  const year_month_day ymd(day);
  const unsigned m = static_cast<unsigned>(ymd.month()) - 1, d = static_cast<unsigned>(ymd.day());
  const int y = static_cast<int>(ymd.year());
  if (spanish) return std::to_string(d) + " de " + es[m] + " de " + std::to_string(y);
  return std::string(en[m]) + " " + std::to_string(d) + ", " + std::to_string(y);
}

}  // namespace

LetterText MakeAttorneyLetter(Rng& rng, Day written, bool spanish) {
  LetterText letter;
  const Person attorney = MakePerson(rng, spanish, written - days(365 * 45));
  const Person client = MakePerson(rng, spanish, written - days(365 * rng.Int(25, 80)));
  letter.firm = UpperUtf8(rng.Chance(0.5) ? attorney.last + " & " + rng.Pick(kLastEn) + " LLP"
                                          : "Law Office of " + attorney.first + " " + attorney.last);
  letter.attorney = attorney.first + " " + attorney.last + ", Esq.";
  const Address office = MakeAddress(rng, true);
  letter.street = office.street;
  letter.city_line = office.city + ", " + office.state + " " + office.zip;
  letter.phone = WritePhone(MakePhone(rng, office.state), 0);
  letter.date_line = FormatLongDate(written, spanish);
  const std::string dob = WriteDate(client.dob, DateStyle::kPadded);
  if (spanish) {
    letter.re_line = "Asunto: Solicitud de expediente médico - " + client.FullName() + ", fecha de nacimiento " + dob;
    letter.salutation = "Estimados señores:";
    letter.paragraphs = {
        "Este despacho representa a la persona mencionada en relación con una reclamación por lesiones personales.",
        "Le solicitamos copias certificadas de todos los expedientes médicos, informes de radiología y facturas "
        "desde el 1 de enero de " + std::to_string(YearOf(written) - 2) + " hasta la fecha.",
        "Adjuntamos la autorización firmada por nuestro cliente. Favor de enviar los documentos a la dirección "
        "indicada arriba o por fax.",
        "Agradecemos de antemano su atención."};
    letter.closing = "Atentamente,";
  } else {
    letter.re_line = "Re: Request for medical records - " + client.FullName() + ", DOB " + dob;
    letter.salutation = "Dear Custodian of Records:";
    letter.paragraphs = {
        "This office represents the above-named individual in connection with a personal injury claim.",
        "Please provide certified copies of all medical records, radiology reports, and itemized billing "
        "statements from January 1, " + std::to_string(YearOf(written) - 2) + " to the present.",
        "An authorization signed by our client is enclosed. Please forward the records to the address above or "
        "by fax, together with your invoice for any copying charges.",
        "Thank you for your prompt attention to this matter."};
    letter.closing = "Very truly yours,";
  }
  return letter;
}

std::string MakeStationId(Rng& rng) {
  static const std::vector<std::string> names = {"LIBRARY FAX",     "UPS STORE 5521",    "PHARMACY FAX",
                                                 "MAIN ST COPY CTR", "FEDEX OFFICE 0412", "FRONT DESK",
                                                 "HP LASERJET FAX", "BROTHER MFC-L2750", "STAPLES 0881"};
  switch (rng.Int(0, 3)) {
    case 0: return "+1" + MakePhone(rng, "MA");
    case 1: {
      // Fax machines keep 20 characters of the name.
      std::string name = UpperUtf8(MakeOrganization(rng, false, false).name).substr(0, 20);
      name.erase(name.find_last_not_of(' ') + 1);
      return name;
    }
    default: return rng.Pick(names);
  }
}

std::string MakeSubject(Rng& rng, const std::string& form, bool spanish) {
  static const std::map<std::string, std::vector<std::string>> en = {
      {"AUTH", {"Authorization for release of records", "Records request", "Medical records authorization",
                "Request for imaging CD", "Signed HIPAA authorization"}},
      {"AMEND", {"Amendment request", "Request to amend my record", "Correction to medical record"}},
      {"VERBAL", {"Verbal authorization form", "Verbal communication authorization", "Form for my family"}},
  };
  static const std::map<std::string, std::vector<std::string>> es = {
      {"AUTH", {"Autorización para divulgar información", "Solicitud de expediente", "Autorización firmada",
                "Solicitud de CD de imágenes"}},
      {"AMEND", {"Solicitud de enmienda", "Corrección de mi expediente"}},
      {"VERBAL", {"Autorización verbal", "Formulario de comunicación verbal"}},
  };
  static const std::vector<std::string> vague = {"Scanned document", "Scan from MFP", "Documents", "Fwd: forms",
                                                 "(no subject)"};
  const auto& table = spanish ? es : en;
  const auto it = table.find(form);
  if (it == table.end() || rng.Chance(0.25)) return rng.Pick(vague);
  return rng.Pick(it->second);
}

std::string MakeBody(Rng& rng, bool spanish, bool has_attachment, const std::string& signer) {
  if (spanish) {
    if (!has_attachment) {
      return "Buenos días,\n\nQuisiera solicitar una copia de mi expediente médico. No tengo escáner; ¿pueden "
             "enviarme el formulario por correo?\n\nGracias,\n" + signer + "\n";
    }
    static const std::vector<std::string> bodies = {"Adjunto el formulario firmado.", "Les envío el formulario.",
                                                    "Adjunto el formulario. Gracias por su ayuda."};
    return "Hola,\n\n" + rng.Pick(bodies) + "\n\n" + signer + "\n";
  }
  if (!has_attachment) {
    static const std::vector<std::string> bodies = {
        "I would like a copy of my medical records from my last visit. Please tell me what form I need to fill out.",
        "Please send all records from my surgery to my new doctor. I tried to attach the form but it did not go "
        "through.",
        "Can you tell me the status of my records request? I faxed the form two weeks ago."};
    return "Hello,\n\n" + rng.Pick(bodies) + "\n\nThank you,\n" + signer + "\n";
  }
  static const std::vector<std::string> bodies = {"Please see the attached form.", "Attached is my signed form.",
                                                  "Here is the form you asked for.", "Form attached. Thank you."};
  return "Hello,\n\n" + rng.Pick(bodies) + "\n\n" + signer + "\n";
}

}  // namespace intake::corpus_detail
