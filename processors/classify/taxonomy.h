#ifndef MINSHENG_PROCESSORS_CLASSIFY_TAXONOMY_H_
#define MINSHENG_PROCESSORS_CLASSIFY_TAXONOMY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace minsheng::processors {

// A time limit as written in the taxonomy: "<n>h" (n clock hours), "<n>wh" (n working hours) or
// "<n>d" (n working days). Working time is counted by WorkingCalendar.
struct Deadline {
  enum class Unit { kClockHours, kWorkingHours, kWorkingDays };

  // Parses "4h", "2wh", "5d"; n must be a whole number from 1 to 9999. InvalidArgument otherwise.
  static absl::StatusOr<Deadline> Parse(absl::string_view text);

  // The text form, e.g. "24h", the inverse of Parse.
  std::string ToString() const;

  // `count` hours for the two hour units; for working days, `count` x 24 h (a nominal length,
  // only meaningful together with `unit`).
  absl::Duration amount;
  Unit unit = Unit::kClockHours;
  int count = 0;

  friend bool operator==(const Deadline& a, const Deadline& b) {
    return a.unit == b.unit && a.count == b.count;
  }
  friend bool operator!=(const Deadline& a, const Deadline& b) { return !(a == b); }
};

// When a new report joins an open case of the same category family instead of opening its own
// (重复诉求并单): within radius_m of it and window_days of its latest report.
struct MergeLimits {
  double radius_m = 250;  // FixMyStreet's duplicate-suggestion radius
  int window_days = 30;  // a general case's life, and the reports that keep coming meanwhile
};

// One complaint category: a city-management code (A1..J2) or a message-board topic (CX01, ...).
struct Category {
  std::string code;
  // The code's leading letters ("A" for A1..A8, "CX" for CX01..CX10): reports of one family
  // may be the same problem even when they were filed under different codes.
  std::string family;
  std::string name;
  std::string parent;  // the level-1 group, e.g. "A 市容秩序"
  std::vector<std::string> keywords;
  std::string lead;                    // department id (牵头单位)
  std::vector<std::string> assisting;  // department ids (配合单位)
  Deadline emergency, urgent, normal;  // defaults applied
  std::vector<std::string> tags;       // e.g. 五乱, 七小
  MergeLimits merge;                   // default_merge unless the category sets its own
};

// The complaint taxonomy a 12345 centre edits (deploy/taxonomy.yaml; its comment describes the
// format). Immutable once loaded.
class Taxonomy {
 public:
  // Reads the YAML file at `path`: NotFound when it cannot be opened, InvalidArgument prefixed
  // with the path when it is not a valid taxonomy.
  static absl::StatusOr<Taxonomy> Load(const std::string& path);
  // The same from YAML text. Errors are InvalidArgument naming the entry, e.g.
  // "categories[3] (A4): lead: unknown department chenguan".
  static absl::StatusOr<Taxonomy> Parse(absl::string_view yaml);

  // The category with `code`, or nullptr.
  const Category* Find(absl::string_view code) const;
  // All categories in file order.
  const std::vector<Category>& categories() const { return categories_; }
  // The display name of department `id`, or "" when there is no such department.
  absl::string_view DepartmentName(absl::string_view id) const;
  // Department id -> display name.
  const std::map<std::string, std::string>& departments() const { return departments_; }

 private:
  Taxonomy() = default;

  std::map<std::string, std::string> departments_;
  std::vector<Category> categories_;
  std::map<std::string, size_t, std::less<>> index_;  // code -> position in categories_
};

// Keeps the taxonomy of a file current without a restart: a background thread checks the file's
// modification time and size every `poll_interval` and re-loads it when either changed. A file
// that fails to load leaves the previous taxonomy in force; the error is kept until a later load
// succeeds.
class TaxonomyWatcher {
 public:
  // What else a re-loaded taxonomy must satisfy before it takes effect (e.g. the routing rules
  // still name only its categories and tags); an error keeps the previous taxonomy, as a file
  // that fails to load does.
  using Check = std::function<absl::Status(const Taxonomy&)>;

  // Loads `path` (failing as Taxonomy::Load does) and starts watching it. `check` (may be empty)
  // applies to re-loads; the caller checks the initial taxonomy itself.
  static absl::StatusOr<std::unique_ptr<TaxonomyWatcher>> Create(std::string path,
                                                                 absl::Duration poll_interval,
                                                                 Check check = nullptr);
  // Stops the thread (promptly, without waiting for the next poll).
  ~TaxonomyWatcher();

  TaxonomyWatcher(const TaxonomyWatcher&) = delete;
  TaxonomyWatcher& operator=(const TaxonomyWatcher&) = delete;

  // The taxonomy in force. Thread-safe; the snapshot stays valid while the caller holds it.
  std::shared_ptr<const Taxonomy> current() const;
  // OK, or why the last attempt to re-load the changed file failed.
  absl::Status last_reload_error() const;
  // How many times the file was re-loaded successfully after the initial load.
  int64_t reload_count() const;

 private:
  struct FileStamp {
    bool exists = false;
    int64_t mtime_ns = 0;
    int64_t size = 0;
    bool operator==(const FileStamp& o) const {
      return exists == o.exists && mtime_ns == o.mtime_ns && size == o.size;
    }
  };
  static FileStamp Stamp(const std::string& path);

  TaxonomyWatcher(std::string path, absl::Duration poll_interval, Check check,
                  std::shared_ptr<const Taxonomy> initial, FileStamp stamp);
  void Run();

  const std::string path_;
  const absl::Duration poll_interval_;
  const Check check_;
  FileStamp stamp_;  // only touched by the watcher thread after construction

  mutable absl::Mutex mu_;
  std::shared_ptr<const Taxonomy> current_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  int64_t reload_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_CLASSIFY_TAXONOMY_H_
