#include "processors/classify/taxonomy.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "processors/config_files.h"

namespace minsheng::processors {
namespace {

constexpr const char* kDeadlineLevels[] = {"emergency", "urgent", "normal"};

using config_files::CheckKeys;
using config_files::Invalid;
using config_files::NonEmptyString;
using config_files::Present;
using config_files::ReadDepartments;
using config_files::StringList;

// Reads {emergency, urgent, normal} into `levels`; missing levels keep their value.
absl::Status ParseDeadlines(const YAML::Node& node, absl::string_view where, bool all_required,
                            Deadline* levels[3]) {
  if (!Present(node)) {
    return all_required ? Invalid(where, "missing") : absl::OkStatus();
  }
  if (!node.IsMap()) return Invalid(where, "expected a mapping of emergency, urgent, normal");
  if (absl::Status s = CheckKeys(node, {"emergency", "urgent", "normal"}, where); !s.ok()) {
    return s;
  }
  for (int i = 0; i < 3; ++i) {
    const std::string level_where = absl::StrCat(where, ": ", kDeadlineLevels[i]);
    const YAML::Node level = node[kDeadlineLevels[i]];
    if (!Present(level)) {
      if (all_required) return Invalid(level_where, "missing");
      continue;
    }
    absl::StatusOr<std::string> text = NonEmptyString(level, level_where);
    if (!text.ok()) return text.status();
    absl::StatusOr<Deadline> deadline = Deadline::Parse(*text);
    if (!deadline.ok()) return Invalid(level_where, deadline.status().message());
    *levels[i] = *deadline;
  }
  return absl::OkStatus();
}

absl::Status CheckDepartment(const std::map<std::string, std::string>& departments,
                             const std::string& id, absl::string_view where) {
  if (departments.count(id) == 0) return Invalid(where, absl::StrCat("unknown department ", id));
  return absl::OkStatus();
}

// Reads {radius_m, window_days} into `limits`; missing keys keep their value.
absl::Status ParseMergeLimits(const YAML::Node& node, absl::string_view where,
                              MergeLimits& limits) {
  if (!Present(node)) return absl::OkStatus();
  if (!node.IsMap()) return Invalid(where, "expected a mapping of radius_m, window_days");
  if (absl::Status s = CheckKeys(node, {"radius_m", "window_days"}, where); !s.ok()) return s;
  if (Present(node["radius_m"])) {
    double radius = 0;
    if (!node["radius_m"].IsScalar() || !absl::SimpleAtod(node["radius_m"].Scalar(), &radius) ||
        radius < 0 || radius > 100000) {
      return Invalid(absl::StrCat(where, ": radius_m"), "expected metres from 0 to 100000");
    }
    limits.radius_m = radius;
  }
  if (Present(node["window_days"])) {
    int days = 0;
    if (!node["window_days"].IsScalar() ||
        !absl::SimpleAtoi(node["window_days"].Scalar(), &days) || days < 0 || days > 3650) {
      return Invalid(absl::StrCat(where, ": window_days"), "expected whole days from 0 to 3650");
    }
    limits.window_days = days;
  }
  return absl::OkStatus();
}

absl::StatusOr<Category> ParseCategory(const YAML::Node& node, size_t index,
                                       const std::map<std::string, std::string>& departments,
                                       const Deadline defaults[3],
                                       const MergeLimits& default_merge) {
  std::string where = absl::StrCat("categories[", index, "]");
  if (!node.IsMap()) return Invalid(where, "expected a mapping");
  Category category;
  absl::StatusOr<std::string> code = NonEmptyString(node["code"], absl::StrCat(where, ": code"));
  if (!code.ok()) return code.status();
  category.code = *code;
  absl::StrAppend(&where, " (", category.code, ")");
  for (char c : category.code) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) break;
    category.family.push_back(c);
  }
  if (category.family.empty() || category.family.size() == category.code.size()) {
    return Invalid(where, "code: expected letters followed by digits, e.g. A1 or CX01");
  }

  if (absl::Status s = CheckKeys(node,
                                 {"code", "name", "parent", "keywords", "lead", "assisting",
                                  "deadlines", "tags", "merge"},
                                 where);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> name = NonEmptyString(node["name"], absl::StrCat(where, ": name"));
  if (!name.ok()) return name.status();
  category.name = *std::move(name);
  absl::StatusOr<std::string> parent =
      NonEmptyString(node["parent"], absl::StrCat(where, ": parent"));
  if (!parent.ok()) return parent.status();
  category.parent = *std::move(parent);

  const std::string keywords_where = absl::StrCat(where, ": keywords");
  if (!Present(node["keywords"])) return Invalid(keywords_where, "missing");
  absl::StatusOr<std::vector<std::string>> keywords = StringList(node["keywords"], keywords_where);
  if (!keywords.ok()) return keywords.status();
  if (keywords->empty()) return Invalid(keywords_where, "empty (give at least one keyword)");
  category.keywords = *std::move(keywords);

  auto category_departments =
      ReadDepartments(node, where, [&](const std::string& id, absl::string_view id_where) {
        return CheckDepartment(departments, id, id_where);
      });
  if (!category_departments.ok()) return category_departments.status();
  category.lead = std::move(category_departments->lead);
  category.assisting = std::move(category_departments->assisting);

  category.emergency = defaults[0];
  category.urgent = defaults[1];
  category.normal = defaults[2];
  Deadline* levels[3] = {&category.emergency, &category.urgent, &category.normal};
  if (absl::Status s = ParseDeadlines(node["deadlines"], absl::StrCat(where, ": deadlines"),
                                      /*all_required=*/false, levels);
      !s.ok()) {
    return s;
  }

  absl::StatusOr<std::vector<std::string>> tags =
      StringList(node["tags"], absl::StrCat(where, ": tags"));
  if (!tags.ok()) return tags.status();
  category.tags = *std::move(tags);

  category.merge = default_merge;
  if (absl::Status s = ParseMergeLimits(node["merge"], absl::StrCat(where, ": merge"),
                                        category.merge);
      !s.ok()) {
    return s;
  }
  return category;
}

}  // namespace

absl::StatusOr<Deadline> Deadline::Parse(absl::string_view text) {
  const absl::string_view original = text;
  auto bad = [original]() {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad deadline \"", original, "\" (expected <n>h clock hours, <n>wh working hours or ",
        "<n>d working days, n from 1 to 9999)"));
  };
  Deadline deadline;
  if (absl::ConsumeSuffix(&text, "wh")) {
    deadline.unit = Unit::kWorkingHours;
  } else if (absl::ConsumeSuffix(&text, "h")) {
    deadline.unit = Unit::kClockHours;
  } else if (absl::ConsumeSuffix(&text, "d")) {
    deadline.unit = Unit::kWorkingDays;
  } else {
    return bad();
  }
  if (text.empty() || text.size() > 4) return bad();
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad();
  }
  int count = 0;
  if (!absl::SimpleAtoi(text, &count) || count < 1) return bad();
  deadline.count = count;
  deadline.amount =
      deadline.unit == Unit::kWorkingDays ? absl::Hours(24) * count : absl::Hours(count);
  return deadline;
}

std::string Deadline::ToString() const {
  switch (unit) {
    case Unit::kClockHours:
      return absl::StrCat(count, "h");
    case Unit::kWorkingHours:
      return absl::StrCat(count, "wh");
    case Unit::kWorkingDays:
      return absl::StrCat(count, "d");
  }
  return absl::StrCat(count, "?");
}

absl::StatusOr<Taxonomy> Taxonomy::Load(const std::string& path) {
  absl::StatusOr<std::string> text = config_files::ReadFile(path, "taxonomy file");
  if (!text.ok()) return text.status();
  absl::StatusOr<Taxonomy> taxonomy = Parse(*text);
  if (!taxonomy.ok()) return config_files::WithPath(taxonomy.status(), path);
  return taxonomy;
}

absl::StatusOr<Taxonomy> Taxonomy::Parse(absl::string_view yaml) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          "expected a mapping with departments, default_deadlines and categories");
    }
    if (absl::Status s = CheckKeys(
            root, {"departments", "default_deadlines", "default_merge", "categories"}, "");
        !s.ok()) {
      return s;
    }
    Taxonomy taxonomy;

    const YAML::Node departments = root["departments"];
    if (!Present(departments)) return absl::InvalidArgumentError("departments: missing");
    if (!departments.IsMap() || departments.size() == 0) {
      return absl::InvalidArgumentError("departments: expected a mapping of id to name");
    }
    for (const auto& entry : departments) {
      absl::StatusOr<std::string> id = NonEmptyString(entry.first, "departments: id");
      if (!id.ok()) return id.status();
      absl::StatusOr<std::string> name =
          NonEmptyString(entry.second, absl::StrCat("departments: ", *id));
      if (!name.ok()) return name.status();
      if (!taxonomy.departments_.emplace(*id, *name).second) {
        return Invalid(absl::StrCat("departments: ", *id), "duplicate id");
      }
    }

    Deadline defaults[3];
    Deadline* levels[3] = {&defaults[0], &defaults[1], &defaults[2]};
    if (absl::Status s =
            ParseDeadlines(root["default_deadlines"], "default_deadlines", true, levels);
        !s.ok()) {
      return s;
    }

    MergeLimits default_merge;
    if (absl::Status s = ParseMergeLimits(root["default_merge"], "default_merge", default_merge);
        !s.ok()) {
      return s;
    }

    const YAML::Node categories = root["categories"];
    if (!Present(categories)) return absl::InvalidArgumentError("categories: missing");
    if (!categories.IsSequence()) return absl::InvalidArgumentError("categories: expected a list");
    if (categories.size() == 0) return absl::InvalidArgumentError("categories: empty");
    for (size_t i = 0; i < categories.size(); ++i) {
      absl::StatusOr<Category> category =
          ParseCategory(categories[i], i, taxonomy.departments_, defaults, default_merge);
      if (!category.ok()) return category.status();
      auto [it, inserted] = taxonomy.index_.emplace(category->code, i);
      if (!inserted) {
        return Invalid(absl::StrCat("categories[", i, "] (", category->code, ")"),
                       absl::StrCat("duplicate code (also categories[", it->second, "])"));
      }
      taxonomy.categories_.push_back(*std::move(category));
    }
    return taxonomy;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid YAML: ", e.what()));
  }
}

const Category* Taxonomy::Find(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &categories_[it->second];
}

absl::string_view Taxonomy::DepartmentName(absl::string_view id) const {
  auto it = departments_.find(std::string(id));
  return it == departments_.end() ? absl::string_view() : absl::string_view(it->second);
}

// --- TaxonomyWatcher ---

TaxonomyWatcher::FileStamp TaxonomyWatcher::Stamp(const std::string& path) {
  FileStamp stamp;
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return stamp;
  stamp.exists = true;
  stamp.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  stamp.size = static_cast<int64_t>(info.st_size);
  return stamp;
}

absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> TaxonomyWatcher::Create(
    std::string path, absl::Duration poll_interval, Check check) {
  if (poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("taxonomy poll interval must be positive");
  }
  // Stamp before reading, so a change during the read is seen by the next poll.
  const FileStamp stamp = Stamp(path);
  absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(path);
  if (!taxonomy.ok()) return taxonomy.status();
  return std::unique_ptr<TaxonomyWatcher>(
      new TaxonomyWatcher(std::move(path), poll_interval, std::move(check),
                          std::make_shared<const Taxonomy>(*std::move(taxonomy)), stamp));
}

TaxonomyWatcher::TaxonomyWatcher(std::string path, absl::Duration poll_interval, Check check,
                                 std::shared_ptr<const Taxonomy> initial, FileStamp stamp)
    : path_(std::move(path)),
      poll_interval_(poll_interval),
      check_(std::move(check)),
      stamp_(stamp),
      current_(std::move(initial)) {
  thread_ = std::thread([this] { Run(); });
}

TaxonomyWatcher::~TaxonomyWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

std::shared_ptr<const Taxonomy> TaxonomyWatcher::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status TaxonomyWatcher::last_reload_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

int64_t TaxonomyWatcher::reload_count() const {
  absl::MutexLock lock(&mu_);
  return reload_count_;
}

void TaxonomyWatcher::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes at once when the destructor sets stop_.
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), poll_interval_)) return;
    }
    const FileStamp now = Stamp(path_);
    if (now == stamp_) continue;
    stamp_ = now;
    absl::StatusOr<Taxonomy> taxonomy = Taxonomy::Load(path_);
    if (taxonomy.ok() && check_) {
      if (absl::Status s = check_(*taxonomy); !s.ok()) taxonomy = s;
    }
    absl::MutexLock lock(&mu_);
    if (taxonomy.ok()) {
      LogInfo("taxonomy reloaded from ", path_, ": ", taxonomy->categories().size(),
              " categories");
      current_ = std::make_shared<const Taxonomy>(*std::move(taxonomy));
      last_error_ = absl::OkStatus();
      ++reload_count_;
    } else {
      LogWarning("taxonomy not reloaded, the previous one stays in force: ",
                 taxonomy.status().message());
      last_error_ = taxonomy.status();
    }
  }
}

}  // namespace minsheng::processors
