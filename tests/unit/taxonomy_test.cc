#include "processors/classify/taxonomy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/unit/temp_dir.h"

namespace minsheng::processors {
namespace {

const std::string kShipped = std::string(MINSHENG_SOURCE_DIR) + "/deploy/taxonomy.yaml";
const std::string kBoardTopics = std::string(MINSHENG_SOURCE_DIR) + "/../shared/data/taxonomy.tsv";

// A small valid taxonomy; tests replace parts of it to make it invalid.
constexpr char kSmall[] = R"(departments:
  chengguan: 综合执法局
  huanwei: 环卫处
  jiedao: 街道办事处
default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}
categories:
  - code: A1
    name: 占道经营
    parent: A 市容秩序
    keywords: [摆摊, 占道]
    lead: chengguan
    assisting: [jiedao]
    deadlines: {emergency: 1h, urgent: 4wh}
    tags: [五乱]
  - code: B1
    name: 清扫保洁
    parent: B 环境卫生
    keywords: [没人扫]
    lead: huanwei
)";

// kSmall with `from` replaced by `to` (which must occur exactly once).
std::string SmallWith(const std::string& from, const std::string& to) {
  std::string yaml = kSmall;
  const size_t at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(yaml.find(from, at + 1), std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  return yaml;
}

// A valid taxonomy with `n` categories C1..Cn (its size differs for every n).
std::string WithCategories(int n) {
  std::string yaml =
      "departments: {d: 部门}\n"
      "default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}\n"
      "categories:\n";
  for (int i = 1; i <= n; ++i) {
    absl::StrAppend(&yaml, "  - {code: C", i, ", name: 类", i, ", parent: P, keywords: [k", i,
                    "], lead: d}\n");
  }
  return yaml;
}

// Writes `content` to a temporary file and renames it over `path`, as an editor would save it.
void WriteFile(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    ASSERT_TRUE(out) << temp;
    out << content;
  }
  ASSERT_EQ(std::rename(temp.c_str(), path.c_str()), 0) << path;
}

// Polls `done` until it holds or 10 s pass; returns whether it held.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

// ---- The shipped file ----

TEST(ShippedTaxonomyTest, Loads) {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kShipped);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  EXPECT_GE(taxonomy->categories().size(), 31u + 100u);
}

TEST(ShippedTaxonomyTest, HasEveryCityManagementCode) {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kShipped);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  const std::vector<std::string> codes = {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8",
                                          "B1", "B2", "B3", "B4", "B5", "B6", "C1", "C2",
                                          "C3", "D1", "D2", "D3", "D4", "E1", "E2", "E3",
                                          "F1", "G1", "H1", "H2", "I1", "J1", "J2"};
  for (const std::string& code : codes) {
    const Category* category = taxonomy->Find(code);
    ASSERT_NE(category, nullptr) << code;
    EXPECT_EQ(category->code, code);
    EXPECT_EQ(category->parent.substr(0, 1), code.substr(0, 1)) << code;
  }
}

TEST(ShippedTaxonomyTest, RoutesAsTheDomainGuideSays) {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kShipped);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  const std::vector<std::pair<std::string, std::string>> leads = {
      {"A1", "chengguan"}, {"A8", "chengguan"}, {"B2", "huanwei"}, {"B4", "huanwei"},
      {"C1", "zhujian"},   {"D1", "shichang"},  {"D3", "weijian"}, {"F1", "weijian"},
      {"H2", "jiedao"},    {"I1", "shengtai"}};
  for (const auto& [code, lead] : leads) {
    const Category* category = taxonomy->Find(code);
    ASSERT_NE(category, nullptr) << code;
    EXPECT_EQ(category->lead, lead) << code;
  }
  const Category* a2 = taxonomy->Find("A2");
  ASSERT_NE(a2, nullptr);
  EXPECT_NE(std::find(a2->assisting.begin(), a2->assisting.end(), "jiedao"), a2->assisting.end());
  const Category* a1 = taxonomy->Find("A1");
  ASSERT_NE(a1, nullptr);
  EXPECT_NE(std::find(a1->tags.begin(), a1->tags.end(), "五乱"), a1->tags.end());
  EXPECT_EQ(a1->normal.ToString(), "24h");
  const Category* b1 = taxonomy->Find("B1");
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b1->urgent.ToString(), "2wh");  // 道路保洁 2 working hours
}

TEST(ShippedTaxonomyTest, CoversEveryMessageBoardTopic) {
  std::ifstream in(kBoardTopics);
  ASSERT_TRUE(in) << "missing " << kBoardTopics;
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kShipped);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  std::set<std::pair<std::string, std::string>> covered;
  for (const Category& category : taxonomy->categories()) {
    covered.emplace(category.parent, category.name);
  }
  std::set<std::pair<std::string, std::string>> topics;
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_TRUE(absl::StartsWith(line, "level1\tlevel2")) << line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    ASSERT_GE(fields.size(), 2u) << line;
    topics.emplace(fields[0], fields[1]);
  }
  EXPECT_EQ(topics.size(), 118u);
  for (const auto& [level1, level2] : topics) {
    EXPECT_EQ(covered.count({level1, level2}), 1u)
        << "no category for " << level1 << " / " << level2;
  }
}

TEST(ShippedTaxonomyTest, EveryDepartmentIsDefinedAndNamed) {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(kShipped);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  std::set<std::string> used;
  for (const Category& category : taxonomy->categories()) {
    EXPECT_FALSE(taxonomy->DepartmentName(category.lead).empty()) << category.code;
    used.insert(category.lead);
    for (const std::string& id : category.assisting) {
      EXPECT_FALSE(taxonomy->DepartmentName(id).empty()) << category.code << " " << id;
      used.insert(id);
    }
    EXPECT_FALSE(category.keywords.empty()) << category.code;
  }
  for (const auto& [id, name] : taxonomy->departments()) {
    EXPECT_EQ(used.count(id), 1u) << "department never used: " << id;
  }
  EXPECT_EQ(taxonomy->DepartmentName("chengguan"), "综合执法局（城管）");
  EXPECT_EQ(taxonomy->DepartmentName("nobody"), "");
}

// ---- Parsing ----

TEST(DeadlineTest, ParsesTheThreeUnits) {
  absl::StatusOr<Deadline> hours = Deadline::Parse("24h");
  ASSERT_TRUE(hours.ok()) << hours.status();
  EXPECT_EQ(hours->unit, Deadline::Unit::kClockHours);
  EXPECT_EQ(hours->count, 24);
  EXPECT_EQ(hours->amount, absl::Hours(24));
  EXPECT_EQ(hours->ToString(), "24h");

  absl::StatusOr<Deadline> working_hours = Deadline::Parse("4wh");
  ASSERT_TRUE(working_hours.ok()) << working_hours.status();
  EXPECT_EQ(working_hours->unit, Deadline::Unit::kWorkingHours);
  EXPECT_EQ(working_hours->count, 4);
  EXPECT_EQ(working_hours->amount, absl::Hours(4));
  EXPECT_EQ(working_hours->ToString(), "4wh");

  absl::StatusOr<Deadline> days = Deadline::Parse("5d");
  ASSERT_TRUE(days.ok()) << days.status();
  EXPECT_EQ(days->unit, Deadline::Unit::kWorkingDays);
  EXPECT_EQ(days->count, 5);
  EXPECT_EQ(days->amount, absl::Hours(120));
  EXPECT_EQ(days->ToString(), "5d");
}

TEST(DeadlineTest, RejectsBadText) {
  for (const char* text : {"12x", "", "h", "0h", "-1h", "+1h", "1.5h", " 2h", "2 h", "12345d",
                           "2hw", "d5", "2w", "2dd"}) {
    absl::StatusOr<Deadline> deadline = Deadline::Parse(text);
    EXPECT_EQ(deadline.status().code(), absl::StatusCode::kInvalidArgument) << text;
    if (!deadline.ok()) {
      EXPECT_TRUE(absl::StrContains(deadline.status().message(),
                                    absl::StrCat("bad deadline \"", text, "\"")))
          << deadline.status().message();
    }
  }
}

TEST(TaxonomyParseTest, ReadsFieldsAndAppliesDefaultDeadlines) {
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Parse(kSmall);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  ASSERT_EQ(taxonomy->categories().size(), 2u);
  const Category* a1 = taxonomy->Find("A1");
  ASSERT_NE(a1, nullptr);
  EXPECT_EQ(a1->name, "占道经营");
  EXPECT_EQ(a1->parent, "A 市容秩序");
  EXPECT_EQ(a1->keywords, (std::vector<std::string>{"摆摊", "占道"}));
  EXPECT_EQ(a1->lead, "chengguan");
  EXPECT_EQ(a1->assisting, (std::vector<std::string>{"jiedao"}));
  EXPECT_EQ(a1->tags, (std::vector<std::string>{"五乱"}));
  EXPECT_EQ(a1->emergency.ToString(), "1h");
  EXPECT_EQ(a1->urgent.ToString(), "4wh");
  EXPECT_EQ(a1->normal.ToString(), "5d");  // from default_deadlines
  const Category* b1 = taxonomy->Find("B1");
  ASSERT_NE(b1, nullptr);
  EXPECT_TRUE(b1->assisting.empty());
  EXPECT_TRUE(b1->tags.empty());
  EXPECT_EQ(b1->emergency.ToString(), "2h");
  EXPECT_EQ(b1->urgent.ToString(), "24h");
  EXPECT_EQ(taxonomy->Find("Z9"), nullptr);
  EXPECT_EQ(&taxonomy->categories()[1], b1);
  EXPECT_EQ(taxonomy->DepartmentName("huanwei"), "环卫处");
  EXPECT_EQ(a1->family, "A");
}

TEST(TaxonomyParseTest, MergeLimitsDefaultPerFileAndPerCategory) {
  absl::StatusOr<Taxonomy> defaults = Taxonomy::Parse(kSmall);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->Find("B1")->merge.radius_m, 250);
  EXPECT_EQ(defaults->Find("B1")->merge.window_days, 30);

  std::string yaml = SmallWith("categories:\n", "default_merge: {radius_m: 300}\ncategories:\n");
  yaml = absl::StrReplaceAll(yaml, {{"    tags: [五乱]", "    tags: [五乱]\n    merge: {window_days: 3}"}});
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Parse(yaml);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  EXPECT_EQ(taxonomy->Find("A1")->merge.radius_m, 300);  // file default
  EXPECT_EQ(taxonomy->Find("A1")->merge.window_days, 3);  // its own
  EXPECT_EQ(taxonomy->Find("B1")->merge.radius_m, 300);
  EXPECT_EQ(taxonomy->Find("B1")->merge.window_days, 30);
}

struct BadCase {
  std::string from;
  std::string to;
  std::string message;
};

TEST(TaxonomyParseTest, NamesTheEntryInEachValidationError) {
  const std::vector<BadCase> cases = {
      {"lead: huanwei", "lead: chenguan", "categories[1] (B1): lead: unknown department chenguan"},
      {"code: B1", "code: A1", "categories[1] (A1): duplicate code (also categories[0])"},
      {"    name: 清扫保洁\n", "", "categories[1] (B1): name: missing"},
      {"name: 清扫保洁", "name: ", "categories[1] (B1): name: missing"},
      {"    lead: huanwei\n", "", "categories[1] (B1): lead: missing"},
      {"    parent: B 环境卫生\n", "", "categories[1] (B1): parent: missing"},
      {"  - code: B1\n", "  - codes: B1\n", "categories[1]: code: missing"},
      {"urgent: 4wh", "urgent: 12x", "categories[0] (A1): deadlines: urgent: bad deadline \"12x\""},
      {"{emergency: 1h, urgent: 4wh}", "{emergency: 1h, soon: 4h}",
       "categories[0] (A1): deadlines: unknown key soon"},
      {"default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}",
       "default_deadlines: {emergency: 2h, urgent: 24h, normal: 5days}",
       "default_deadlines: normal: bad deadline \"5days\""},
      {"default_deadlines: {emergency: 2h, urgent: 24h, normal: 5d}",
       "default_deadlines: {emergency: 2h, urgent: 24h}", "default_deadlines: normal: missing"},
      {"    tags: [五乱]", "    tag: [五乱]", "categories[0] (A1): unknown key tag"},
      {"keywords: [没人扫]", "keywords: []",
       "categories[1] (B1): keywords: empty (give at least one keyword)"},
      {"    keywords: [没人扫]\n", "", "categories[1] (B1): keywords: missing"},
      {"keywords: [摆摊, 占道]", "keywords: [摆摊, \"\"]",
       "categories[0] (A1): keywords[1]: empty"},
      {"assisting: [jiedao]", "assisting: [jiedoa]",
       "categories[0] (A1): assisting[0]: unknown department jiedoa"},
      {"assisting: [jiedao]", "assisting: [chengguan]",
       "categories[0] (A1): assisting[0]: chengguan is already the lead"},
      {"departments:", "departmints:", "unknown key departmints"},
      {"categories:", "categorie:", "unknown key categorie"},
      {"  huanwei: 环卫处\n", "  huanwei: \"\"\n", "departments: huanwei: empty"},
      {"keywords: [摆摊, 占道]", "keywords: 摆摊", "categories[0] (A1): keywords: expected a list"},
      {"code: B1", "code: 11", "categories[1] (11): code: expected letters followed by digits"},
      {"    tags: [五乱]", "    merge: {radius_m: -5}",
       "categories[0] (A1): merge: radius_m: expected metres from 0 to 100000"},
      {"    tags: [五乱]", "    merge: {window_days: 2.5}",
       "categories[0] (A1): merge: window_days: expected whole days"},
      {"    tags: [五乱]", "    merge: {radius: 5}", "categories[0] (A1): merge: unknown key radius"},
  };
  for (const BadCase& bad : cases) {
    absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Parse(SmallWith(bad.from, bad.to));
    ASSERT_FALSE(taxonomy.ok()) << bad.message;
    EXPECT_EQ(taxonomy.status().code(), absl::StatusCode::kInvalidArgument) << bad.message;
    EXPECT_TRUE(absl::StrContains(taxonomy.status().message(), bad.message))
        << taxonomy.status().message();
  }
}

TEST(TaxonomyParseTest, RejectsBrokenDocuments) {
  for (const char* yaml : {"", "- a\n- b\n", "departments: [\n", "departments: {d: D}\n"}) {
    absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Parse(yaml);
    EXPECT_EQ(taxonomy.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
  }
  absl::StatusOr<Taxonomy> no_categories = Taxonomy::Parse(
      "departments: {d: D}\ndefault_deadlines: {emergency: 1h, urgent: 2h, "
      "normal: 3d}\ncategories: []\n");
  EXPECT_EQ(no_categories.status().message(), "categories: empty");
}

TEST(TaxonomyLoadTest, MissingFileIsNotFoundAndErrorsNameThePath) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  EXPECT_EQ(Taxonomy::Load(path).status().code(), absl::StatusCode::kNotFound);
  WriteFile(path, SmallWith("lead: huanwei", "lead: nobody"));
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(path);
  EXPECT_EQ(taxonomy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(taxonomy.status().message(),
            absl::StrCat(path, ": categories[1] (B1): lead: unknown department nobody"));
}

// ---- Reload without restart ----

TEST(TaxonomyWatcherTest, CreateFailsWhenTheInitialLoadFails) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  EXPECT_EQ(TaxonomyWatcher::Create(path, absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kNotFound);
  WriteFile(path, "categories: [\n");
  EXPECT_EQ(TaxonomyWatcher::Create(path, absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TaxonomyWatcherTest, PicksUpEditsKeepsTheOldTaxonomyOnErrorsAndRecovers) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  WriteFile(path, WithCategories(1));
  absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> watcher =
      TaxonomyWatcher::Create(path, absl::Milliseconds(20));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  TaxonomyWatcher& w = **watcher;
  std::shared_ptr<const Taxonomy> first = w.current();
  ASSERT_EQ(first->categories().size(), 1u);
  EXPECT_TRUE(w.last_reload_error().ok());

  // A valid edit is picked up.
  WriteFile(path, WithCategories(2));
  ASSERT_TRUE(Eventually([&] { return w.current()->categories().size() == 2; }));
  EXPECT_TRUE(w.last_reload_error().ok()) << w.last_reload_error();
  EXPECT_EQ(w.reload_count(), 1);
  EXPECT_NE(w.current()->Find("C2"), nullptr);
  EXPECT_EQ(first->categories().size(), 1u);  // an old snapshot stays valid and unchanged

  // An invalid edit keeps the previous taxonomy and reports why.
  WriteFile(path, absl::StrReplaceAll(WithCategories(3), {{"lead: d}", "lead: x}"}}));
  ASSERT_TRUE(Eventually([&] { return !w.last_reload_error().ok(); }));
  EXPECT_EQ(w.last_reload_error().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(w.last_reload_error().message(),
                                "categories[0] (C1): lead: unknown department x"))
      << w.last_reload_error().message();
  EXPECT_EQ(w.current()->categories().size(), 2u);
  EXPECT_EQ(w.reload_count(), 1);

  // A fixed file is picked up and clears the error.
  WriteFile(path, WithCategories(4));
  ASSERT_TRUE(Eventually([&] { return w.current()->categories().size() == 4; }));
  EXPECT_TRUE(w.last_reload_error().ok()) << w.last_reload_error();
  EXPECT_EQ(w.reload_count(), 2);
}

TEST(TaxonomyWatcherTest, AReloadFailingTheCheckDoesNotTakeEffect) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  WriteFile(path, WithCategories(2));
  // As the dispatcher's routing rules would: C2 must stay.
  absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> watcher =
      TaxonomyWatcher::Create(path, absl::Milliseconds(20), [](const Taxonomy& taxonomy) {
        return taxonomy.Find("C2") != nullptr ? absl::OkStatus()
                                              : absl::InvalidArgumentError("rule r1: unknown C2");
      });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  TaxonomyWatcher& w = **watcher;
  WriteFile(path, WithCategories(1));
  ASSERT_TRUE(Eventually([&] { return !w.last_reload_error().ok(); }));
  EXPECT_EQ(w.last_reload_error().message(), "rule r1: unknown C2");
  EXPECT_EQ(w.current()->categories().size(), 2u);
  EXPECT_EQ(w.reload_count(), 0);
  WriteFile(path, WithCategories(3));
  ASSERT_TRUE(Eventually([&] { return w.current()->categories().size() == 3; }));
  EXPECT_TRUE(w.last_reload_error().ok()) << w.last_reload_error();
}

TEST(TaxonomyWatcherTest, ReportsADeletedFileAndKeepsTheTaxonomy) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  WriteFile(path, WithCategories(2));
  absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> watcher =
      TaxonomyWatcher::Create(path, absl::Milliseconds(20));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  ASSERT_EQ(std::remove(path.c_str()), 0);
  ASSERT_TRUE(Eventually([&] { return !(*watcher)->last_reload_error().ok(); }));
  EXPECT_EQ((*watcher)->last_reload_error().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*watcher)->current()->categories().size(), 2u);
}

TEST(TaxonomyWatcherTest, DestructorDoesNotWaitForTheNextPoll) {
  minsheng::testing::TempDir dir;
  const std::string path = dir.path() + "/taxonomy.yaml";
  WriteFile(path, WithCategories(1));
  absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> watcher =
      TaxonomyWatcher::Create(path, absl::Hours(1));
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  const absl::Time start = absl::Now();
  watcher->reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace minsheng::processors
