#ifndef MINSHENG_PROCESSORS_DEDUP_DEPLOYED_SIGNATURES_H_
#define MINSHENG_PROCESSORS_DEDUP_DEPLOYED_SIGNATURES_H_

// The labelled fixture (merge_evaluation.h) as `minsheng serve` sees it: each message classified,
// located and signed by the Dispatcher with the shipped deploy/ files, so that the measured
// precision and recall are those of the merge decision as deployed.

#include <string>
#include <vector>

#include "ingest/text_normalizer.h"
#include "processors/dedup/merge_evaluation.h"
#include "processors/dispatcher.h"

namespace minsheng::processors {

// The files `minsheng serve` dispatches with when not told otherwise, in `deploy_dir` (the
// repository's deploy/).
DispatchFiles ShippedDispatchFiles(const std::string& deploy_dir);

// Signs `reports` again as CaseBook signs a new citizen report without coordinates: title and text
// normalized, then classified and located by `dispatcher` (the family of the category it files
// the report under; the area the gazetteer finds in title and text, the deepest one resolved)
// and signed by Dispatcher::Signature. Keeps id (also the case id), group, time, title and text.
void SignAsDeployed(const Dispatcher& dispatcher, const ingest::TextNormalizer& normalizer,
                    std::vector<LabelledReport>& reports);

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_DEDUP_DEPLOYED_SIGNATURES_H_
