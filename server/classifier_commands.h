#ifndef MINSHENG_SERVER_CLASSIFIER_COMMANDS_H_
#define MINSHENG_SERVER_CLASSIFIER_COMMANDS_H_

#include <string>
#include <vector>

namespace minsheng::server {

// `minsheng train --data FILE --out MODEL [flags]`: trains the complaint classifier on a city's
// labelled historical complaints (JSONL: title?, text, label) and writes the model file.
// Returns the exit status: 0 ok, 1 failure (unreadable or bad data), 2 bad usage.
int RunTrain(const std::vector<std::string>& args);

// `minsheng eval --model MODEL --data FILE [--json] [--labels REGEX]`: accuracy, macro-F1,
// per-label precision / recall / F1 and the confusion of a model on labelled complaints.
int RunEval(const std::vector<std::string>& args);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_CLASSIFIER_COMMANDS_H_
