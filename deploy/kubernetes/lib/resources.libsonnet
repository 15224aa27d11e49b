// Container resources from what the bench measured (bench figures, passed in by render.ts from the
// newest full run: ../bench-figures.ts says which run and how) and what a replica is sized for.
//
// - CPU request: the chats (or job calls) per second one replica is sized for × the measured CPU
//   per proxied chat. The autoscaler's target is a share of this request, so it is also what
//   decides when a replica is added.
// - Memory request: the RSS measured at a steady load (the API), or idle (the worker, whose load
//   the bench does not drive): what the scheduler must find on a node.
// - Memory limit: the peak RSS of any Levee run of the bench × headroom. Above it the kernel kills
//   the container, so it is a measured ceiling, never a guess.
// - No CPU limit: a CFS quota throttles a busy event loop for the rest of its period, which shows
//   as latency on every request in flight; the request already reserves what the pod needs.
local roundUp(value, step) = std.ceil(value / step) * step;

function(bench, headroom)
  local memoryLimit = '%dMi' % roundUp(bench.peakRssMiB * headroom, 64);
  {
    api(sizing):: {
      requests: {
        cpu: '%dm' % roundUp(sizing.chatsPerSecond * bench.cpuUsPerChat / 1000, 10),
        memory: '%dMi' % roundUp(bench.steadyRssMiB, 64),
      },
      limits: { memory: memoryLimit },
    },
    worker(sizing):: {
      requests: {
        cpu: '%dm' % roundUp(sizing.callsPerSecond * bench.cpuUsPerChat / 1000, 10),
        memory: '%dMi' % roundUp(bench.idleRssMiB, 64),
      },
      limits: { memory: memoryLimit },
    },
  }
