#ifndef MINSHENG_SERVER_IMPORT_COMMAND_H_
#define MINSHENG_SERVER_IMPORT_COMMAND_H_

#include <string>
#include <vector>

namespace minsheng::server {

// `minsheng import FILE [flags]`: loads historical work orders (JSONL, or CSV with a header row;
// UTF-8 or GB18030) through the hotline intake topic, so they take the same path as live ones,
// and reports accepted / duplicates / rejected with line numbers. Returns the exit status.
int RunImport(const std::vector<std::string>& args);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_IMPORT_COMMAND_H_
