// The graph of a failing interleaving, through Graphviz's libcgraph, rendered by libgvc.
//
// One cluster (swimlane) per thread, labelled with its role; the thread's steps in program order,
// top to bottom, and the whole interleaving in global order across the lanes. Dashed edges show
// synchronisation: a release to the next acquisition of that object by another thread, a write
// to the read that saw it, a wake_up to the wakeup, a spawn to the child's first step, a thread's
// end to its join. The failing step is highlighted and lists the locks its thread holds.
#ifndef MMCHECK_VIZ_GRAPH_H_
#define MMCHECK_VIZ_GRAPH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "viz/text_report.h"

namespace mmcheck {

// The graph laid out once and rendered to DOT (as built, before layout), SVG and PNG, in memory
// (so that a worker, or another process, renders and the one writing the reports only writes
// bytes); the HTML report embeds the SVG. Errors: Graphviz fails.
struct RenderedGraph {
  std::string dot, svg, png;
};
absl::StatusOr<RenderedGraph> RenderGraph(const ReportHeader& header, const Violation& violation);

}  // namespace mmcheck

#endif  // MMCHECK_VIZ_GRAPH_H_
