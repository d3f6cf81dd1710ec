#ifndef MINSHENG_PROCESSORS_DEDUP_NEAR_DUPLICATE_H_
#define MINSHENG_PROCESSORS_DEDUP_NEAR_DUPLICATE_H_

// Near-duplicate complaints (重复诉求并单): whether a new report is about the problem an open case
// already covers (same category family, near in space and time, similar words), and the keyed
// buckets through which a processor finds the open cases worth asking about. Measured on real
// message-board duplicates: bench/README.md, "Near-duplicate matching".

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace minsheng::processors {

// The words of a complaint as matching sees them: 32-bit hashes of its character bigrams (runs of
// Chinese characters) and alphanumeric runs, bigrams with a function character (的, 了, 我, 请...)
// dropped, title bigrams entered a second time so that the title weighs more. Only the
// kTextSignatureSize smallest hashes are kept (a bottom-k MinHash sketch): the similarity of two
// signatures is then an estimate of the Jaccard similarity of the full shingle sets, exact while
// the two hold at most kTextSignatureSize distinct shingles together (two complaints of about
// 250 characters each).
struct TextSignature {
  std::vector<uint32_t> shingles;  // ascending, distinct, at most kTextSignatureSize

  bool empty() const { return shingles.empty(); }
  friend bool operator==(const TextSignature& a, const TextSignature& b) {
    return a.shingles == b.shingles;
  }
};
inline constexpr size_t kTextSignatureSize = 256;

// Signs a complaint's title and text (UTF-8; invalid bytes separate words like punctuation).
// Full-width letters and digits count as their ASCII forms, letters in either case alike.
TextSignature SignText(absl::string_view title, absl::string_view text);

// A text needs at least this many distinct shingles to be matched city-wide (neither report
// located nor in an area): a complaint of a few words ("油烟扰民") can be anyone's, anywhere. On
// the fixture the floor costs none of the city-wide merges (fraud cases, bus lines, an exam).
inline constexpr size_t kMinShinglesCitywide = 40;

// Estimated Jaccard similarity of the two texts' shingle sets, 0..1; 0 when either is empty.
// On the fixture, reworded reports of one problem mostly score 0.07 to 0.25 (copies near 1), and
// 99 % of the other pairs below 0.06.
double TextSimilarity(const TextSignature& a, const TextSignature& b);

// Great-circle (haversine) distance in meters between two WGS84 points given in degrees.
double DistanceMeters(double lat1, double lon1, double lat2, double lon2);

// What matching knows about a report, or about the open case it might join.
struct ReportSignature {
  std::string case_id;        // the open case; empty for a new report
  std::string family;         // the category family: "A" for A1..A8, "CX" for CX01..CX10
  std::string category_code;  // e.g. "A4"; chooses the radius
  bool has_location = false;  // coordinates out of range (or NaN) count as none
  double lat = 0, lon = 0;    // WGS84 degrees, when has_location
  // The most specific administrative area resolved, "" when unknown. Codes are hierarchical: an
  // area's code begins with its parent's (6-digit district, 9-digit street, 12-digit community,
  // 15-digit grid), so a district code is the first 6 characters of any code inside it.
  std::string area_code;
  absl::Time reported_at;  // for a case: its latest report
  TextSignature text;      // empty for sensor conditions
  bool from_sensor = false;
};

// When a report joins an open case. The defaults were chosen on the labelled fixture
// tests/fixtures/duplicate-groups.tsv (bench/README.md shows the curves).
struct NearDuplicatePolicy {
  // Located reports farther apart than this are different problems (FixMyStreet suggests
  // duplicates within about 250 m).
  double radius_m = 250;
  // Category code -> radius, for problems larger or smaller than a spot (a closed road, a noisy
  // building site). A pair uses the larger of its two categories' radii.
  std::map<std::string, double> radius_m_by_category;
  // A report and the case's latest report further apart in time are different problems. 30 days
  // cover a general case's life (about 7 working days, complex ones 15) and the reports that
  // keep coming while it is worked on; every new report restarts the window.
  absl::Duration window = absl::Hours(30 * 24);
  // TextSimilarity needed when both are located within the radius: place already says a lot,
  // the text only has to tell problems at one spot apart.
  double min_similarity_nearby = 0.08;
  // TextSimilarity needed when either has no location and the areas decide, by the larger of
  // the two (one is inside the other): the more unrelated problems an area holds, the more the
  // text has to say. A street (or a community, a grid cell inside one) holds fewer than a
  // district.
  double min_similarity_same_street = 0.10;
  double min_similarity_same_district = 0.12;
  // TextSimilarity needed when neither has a location or an area: nothing but the city is shared
  // (a fraud case, a bus line, a city-wide policy), so the words must say the most. Above 1:
  // never.
  double min_similarity_citywide = 0.20;
  // Added to the similarity needed when the two citizen reports were filed under different
  // categories of the family (a toilet and a rubbish station are both B 环境卫生): the
  // classifier's disagreement is evidence of two problems, shared words such as 臭气熏天 are not.
  double other_category_margin = 0.08;

  // The radius for a pair of reports of these categories.
  double RadiusFor(absl::string_view category_a, absl::string_view category_b) const;
  // The largest radius any pair can have.
  double MaxRadius() const;
};

struct MergeDecision {
  bool merge = false;
  // Why, for a dispatcher: "same family A, 84 m apart, text similarity 0.31", "different family:
  // A vs B", "412 m apart (radius 250 m)".
  std::string reason;
  double distance_m = -1;      // -1 when either has no location
  double text_similarity = 0;  // 0 when the texts were not compared
};

// Whether `report` joins `open_case`. In order: a different (or missing) family never joins; two
// sensor conditions never join (the sensor stage merges its own repeats); reports further apart
// in time than the window do not; when both are located, they must be within the radius; a
// sensor condition needs that (without text an area is too coarse to be the same spot);
// otherwise both need areas, equal or one inside the other, or both have neither location nor
// area and kMinShinglesCitywide shingles. Last the text: a sensor condition and a citizen report
// of the same category join without comparing it (of another category, never); two citizen
// reports need min_similarity_nearby when both are located,
// min_similarity_citywide when neither has a place, else min_similarity_same_street or
// min_similarity_same_district; plus other_category_margin when their categories differ.
MergeDecision Decide(const ReportSignature& report, const ReportSignature& open_case,
                     const NearDuplicatePolicy& policy);

// The candidate `report` joins, if any: the highest text similarity, then the nearest, then the
// newest, then the first.
std::optional<size_t> BestMatch(const ReportSignature& report,
                                const std::vector<ReportSignature>& candidates,
                                const NearDuplicatePolicy& policy);

// Open cases are kept in buckets, persisted by the caller as key -> EncodeBucket bytes. Keys
// carry the family, so families never share a bucket. A located case lives in the bucket of its
// grid cell, and every case with an area in the bucket of its district; cells are about 500 m
// on each side at any latitude (rows of equal latitude, as many columns per row as fit). A case
// with neither, in words enough to match city-wide, lives in its family's city-wide bucket.
// Buckets hold open cases: drop a case's entries when it closes, PruneBucket ages out the rest.

// Where to store a case's signature: its cell (when located) and its district (when it has an
// area), else its family's city-wide bucket (with kMinShinglesCitywide shingles). Empty without a
// family.
std::vector<std::string> HomeKeys(const ReportSignature& open_case);

// Which buckets may hold cases `report` joins: the cells the circle of the policy's largest
// radius around it touches (at most 3 x 3 while that radius is at most 500 m), and its district;
// for a report with neither location nor area, the city-wide bucket as HomeKeys.
std::vector<std::string> CandidateKeys(const ReportSignature& report,
                                       const NearDuplicatePolicy& policy);

// A compact, versioned binary form of a bucket's signatures.
std::string EncodeBucket(const std::vector<ReportSignature>& entries);
// The inverse of EncodeBucket. DataLoss for anything else (truncated, corrupt, or an unknown
// version), never a crash.
absl::StatusOr<std::vector<ReportSignature>> DecodeBucket(absl::string_view bytes);

// Drops what can no longer match a report at `now` or later (cases whose latest report is older
// than the window of their own category, `window_of(entry)`: a bucket holds the whole family,
// whose categories keep cases open for different times) and older entries of a case stored
// again; then, above `max_entries`, the oldest. Leaves the rest newest first.
void PruneBucket(std::vector<ReportSignature>& entries, absl::Time now,
                 const std::function<absl::Duration(const ReportSignature&)>& window_of,
                 size_t max_entries);

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_DEDUP_NEAR_DUPLICATE_H_
