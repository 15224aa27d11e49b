// Alerts on background jobs: the pg-boss queues (levee-batches, levee-batch-chunks, levee-imports)
// and the Batch API lines they run. Both warn: a batch promises completion within 24 h and its failed lines are in its error
// file, so neither is a client-facing outage by itself (an LLM or Postgres outage pages on its own).
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  local jobs = config.jobs;
  // 900 -> '15m', for the annotations.
  local duration(seconds) =
    if seconds % 3600 == 0 then '%dh' % (seconds / 3600)
    else if seconds % 60 == 0 then '%dm' % (seconds / 60)
    else '%ds' % seconds;
  local lines(result, fn) =
    'sum by (%s, endpoint) (%s(levee_batch_lines_total{%s, %s}[%s]))' % [fleet, fn, selector, result, jobs.lineErrorWindow];
  [
    {
      name: 'levee-jobs.alerts',
      rules: [
        {
          // The queue lives in Postgres, shared by the fleet: every replica whose queue has
          // started exports the same numbers (refreshed every 5 s), so max, not sum, over them.
          // A replica that never used the queue exports no series. "Waiting" is pg-boss's
          // created and retry states, timed from the job's creation.
          alert: 'LeveeJobBacklogOld',
          expr: |||
            max by (%(fleet)s, queue) (levee_jobs_oldest_waiting_seconds{%(selector)s}) > %(seconds)d
          ||| % { fleet: fleet, selector: selector, seconds: jobs.oldestWaitingSeconds },
          'for': jobs.backlogFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Jobs in queue {{ $labels.queue }} wait too long: the oldest has waited over %s.' % duration(jobs.oldestWaitingSeconds),
            description: 'The oldest job waiting in {{ $labels.queue }} on {{ $labels.job }} has waited {{ $value | humanizeDuration }} (bar: %s) and no worker has taken it: every worker is busy (JOB_CONCURRENCY jobs each), none runs (JOB_CONCURRENCY=0 everywhere), or the workers are stuck. Its batch or import makes no progress meanwhile.' % duration(jobs.oldestWaitingSeconds),
          },
        },
        {
          // Failed lines are final (a 4xx for the line's body, or a 5xx left after its retries)
          // and land in the batch's error file; deferred lines (breaker open, rate limit) run
          // again and count neither way. The volume guard keeps a small batch's few bad lines
          // quiet. The window holds a burst of failures for its whole length, so `for` (shorter
          // than the window) does not wait for a second burst; it keeps a ratio that only
          // crosses the bar for a moment quiet.
          alert: 'LeveeBatchLineErrorRateHigh',
          expr: |||
            (
              %(failed)s
              /
              %(answered)s
            ) > %(ratio)g
            and
            %(answeredCount)s >= %(minLines)d
          ||| % {
            failed: lines('result="failed"', 'rate'),
            answered: lines('result=~"completed|failed"', 'rate'),
            answeredCount: lines('result=~"completed|failed"', 'increase'),
            ratio: jobs.lineErrorRatio,
            minLines: jobs.lineErrorMinLines,
          },
          'for': jobs.lineErrorFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'More than %g %% of batch lines to {{ $labels.endpoint }} fail.' % (jobs.lineErrorRatio * 100),
            description: '{{ $value | humanizePercentage }} of the batch lines {{ $labels.job }} answered for {{ $labels.endpoint }} over the last %s failed (bar: %g %%, with at least %d lines answered). Each is an error in its batch\'s error file: a 4xx for its body, or a 5xx left after its retries.' % [jobs.lineErrorWindow, jobs.lineErrorRatio * 100, jobs.lineErrorMinLines],
          },
        },
      ],
    },
  ]
