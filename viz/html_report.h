// One self-contained HTML file per violation: the message, the replay command, the graph (SVG,
// inline), the race diagram and the step-by-step table. No external resources.
#ifndef MMCHECK_VIZ_HTML_REPORT_H_
#define MMCHECK_VIZ_HTML_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "viz/text_report.h"

namespace mmcheck {

// `s` as HTML or XML text or attribute value: &, <, > and " as entities.
std::string HtmlEscape(absl::string_view s);

std::string HtmlReport(const ReportHeader& header, const Violation& violation,
                       const std::string& svg);

}  // namespace mmcheck

#endif  // MMCHECK_VIZ_HTML_REPORT_H_
