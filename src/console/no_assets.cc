// A build without the console (-DBERTH_CONSOLE=OFF): nothing to serve.
#include "console/assets.h"

namespace berth::console {

std::span<const Asset> EmbeddedAssets() { return {}; }

}  // namespace berth::console
