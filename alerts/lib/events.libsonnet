// Alerts on live notifications: the WebSocket connections of /v1/events and /admin/events. The
// limit is per replica (WS_MAX_CONNECTIONS, both endpoints), so the alert is per replica too: one
// full replica refuses connections (503 replica_unavailable) while the others may have room.
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  local websocket = config.websocket;
  [
    {
      name: 'levee-events.alerts',
      rules: [
        {
          // A warning: a full replica refuses new connections, which reconnect (elsewhere, if the
          // balancer spreads them); what already flows keeps flowing.
          alert: 'LeveeWebSocketConnectionsNearLimit',
          expr: |||
            sum by (%(fleet)s, instance) (levee_websocket_connections{%(selector)s})
            /
            max by (%(fleet)s, instance) (levee_websocket_connections_limit{%(selector)s})
            >= %(ratio)g
          ||| % { fleet: fleet, selector: selector, ratio: websocket.nearLimitRatio },
          'for': websocket.nearLimitFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Replica {{ $labels.instance }} holds %g %% or more of its WebSocket connections.' % (websocket.nearLimitRatio * 100),
            description: '{{ $labels.instance }} ({{ $labels.job }}) has held {{ $value | humanizePercentage }} of its WS_MAX_CONNECTIONS event connections (/v1/events and /admin/events; bar: %g %%) for %s. At the limit it refuses new connections with 503 replica_unavailable.' % [websocket.nearLimitRatio * 100, websocket.nearLimitFor],
          },
        },
      ],
    },
  ]
