/**
 * The demo stack (docker-compose.yml, Dockerfile, stack/haproxy.cfg, otel-collector.yaml, the
 * Grafana provisioning) cannot be started here, so its wiring is checked by reading it: every
 * mounted file exists, no host port is taken twice, every hostname names a service, the
 * collector's pipelines are complete, the image runs as non-root with a health check, images are
 * pinned. Each check is a function returning its problems; the real files must have none, and a
 * broken copy of them must have some (so no check passes by checking nothing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT, collectorExporterHosts, collectorProblems, dockerfileProblems, duplicateHostPorts, haproxyServerHosts, hostPaths, list, loadStack, mapping, missingHostPaths, services, unknownHosts, unpinnedImages, type Mapping } from './support/stack-checks.ts';

describe('the compose stack', () => {
  const stack = loadStack();
  const broken = (): ReturnType<typeof loadStack> => structuredClone(stack);
  const service = (compose: Mapping, name: string): Mapping => mapping(mapping(compose.services)[name]);

  it('parses: the replicas get their settings through the anchors', () => {
    const replica = service(stack.compose, 'levee-1');
    assert.equal(replica.image, 'levee:dev');
    assert.equal(mapping(replica.environment).LLM_BASE_URL, 'http://simulator:8090/v1');
    assert.deepEqual(service(stack.compose, 'levee-2').environment, replica.environment);
  });

  it('(a) mounts only host files that exist, and builds from an existing Dockerfile', () => {
    assert.ok(hostPaths(stack.compose).includes('Dockerfile'));
    assert.deepEqual(missingHostPaths(stack.compose, ROOT), []);

    const compose = broken().compose;
    service(compose, 'grafana').volumes = ['./nowhere/dashboards:/var/lib/grafana/dashboards:ro'];
    service(compose, 'redis').volumes = [{ type: 'bind', source: './nowhere/redis.conf', target: '/etc/redis.conf' }];
    // New objects, not edits: the replicas share theirs through the YAML anchors.
    service(compose, 'levee-1').build = { context: '.', dockerfile: 'Nowhere.Dockerfile' };
    assert.deepEqual(missingHostPaths(compose, ROOT), ['Nowhere.Dockerfile', './nowhere/redis.conf', './nowhere/dashboards']);
  });

  it('(b) publishes no host port twice', () => {
    assert.deepEqual(duplicateHostPorts(stack.compose), []);

    const compose = broken().compose;
    service(compose, 'grafana').ports = ['127.0.0.1:9090:3000'];
    service(compose, 'jaeger').ports = [{ target: 16686, published: 8080 }];
    assert.deepEqual(duplicateHostPorts(compose), ['8080/tcp: lb, jaeger', '9090/tcp: prometheus, grafana']);
  });

  it('(c) names only compose services as hosts: depends_on, URLs, HAProxy, Grafana, collector', () => {
    assert.deepEqual(unknownHosts(stack), []);
    assert.ok(haproxyServerHosts(stack.haproxy).length >= 2, 'the HAProxy server lines are read');
    assert.ok(collectorExporterHosts(stack.collector).includes('jaeger'), 'the collector endpoints are read');

    const files = broken();
    service(files.compose, 'lb').depends_on = ['levee-3'];
    service(files.compose, 'levee-1').environment = { ...mapping(service(files.compose, 'levee-1').environment), REDIS_URL: 'redis://cache:6379' };
    service(files.compose, 'levee-2').environment = ['DATABASE_URL=postgres://levee:levee@db:5432/levee'];
    files.haproxy += '\n    server levee-3 levee-3:8080 check\n';
    mapping(list(files.datasources.datasources)[1]).url = 'http://tempo:3200';
    mapping(mapping(files.collector.exporters)['otlp/jaeger']).endpoint = 'http://jaeger-collector:4318';
    assert.deepEqual(unknownHosts(files), [
      'levee-1 environment: cache',
      'levee-2 environment: db',
      'lb depends_on levee-3',
      'haproxy server: levee-3',
      'grafana datasource: tempo',
      'collector exporter: jaeger-collector',
    ]);
  });

  it('(d) has complete collector pipelines, memory_limiter first, no removed jaeger exporter', () => {
    assert.deepEqual(collectorProblems(stack.collector), []);

    const collector = broken().collector;
    const pipelines = mapping(mapping(collector.service).pipelines);
    mapping(pipelines.traces).processors = ['batch', 'memory_limiter'];
    mapping(pipelines.traces).exporters = ['otlp/jaeger', 'spanmetrics', 'debug'];
    mapping(pipelines.metrics).receivers = ['otlp'];
    mapping(collector.exporters).jaeger = { endpoint: 'jaeger:14250' };
    mapping(collector.receivers)['prometheus/self'] = {};
    mapping(collector.service).extensions = ['health_check', 'pprof'];
    assert.deepEqual(collectorProblems(collector), [
      'traces: exporter debug undefined',
      'traces: processors must start with memory_limiter',
      'receivers: prometheus/self defined but unused',
      'exporters: jaeger defined but unused',
      'connector spanmetrics must be an exporter in one pipeline and a receiver in another',
      'exporter jaeger no longer exists',
      'extension pprof undefined',
    ]);
  });

  it('(e) runs the image as a non-root user from node:24, with a health check on /health/live', () => {
    assert.deepEqual(dockerfileProblems(stack.dockerfile), []);

    assert.deepEqual(dockerfileProblems(stack.dockerfile.replace(/^USER .*$/m, 'USER root')), ['final stage runs as root']);
    assert.deepEqual(dockerfileProblems(stack.dockerfile.replace(/^HEALTHCHECK[^]*?\n(?=\S)/m, '')), ['final stage has no HEALTHCHECK on /health/live']);
    const lines = stack.dockerfile.split('\n');
    lines[lines.findLastIndex((line) => line.startsWith('FROM '))] = 'FROM node:22-bookworm-slim AS runtime';
    assert.deepEqual(dockerfileProblems(lines.join('\n')), ['final stage is FROM node:22-bookworm-slim AS runtime, not node:24']);
  });

  it('(f) pins every image it pulls', () => {
    assert.deepEqual(unpinnedImages(stack.compose, stack.dockerfile), []);

    const compose = broken().compose;
    service(compose, 'redis').image = 'redis:latest';
    service(compose, 'jaeger').image = 'jaegertracing/all-in-one';
    service(compose, 'grafana').image = 'grafana/grafana:main';
    delete service(compose, 'simulator').build;
    assert.deepEqual(unpinnedImages(compose, stack.dockerfile.replace('FROM node:24.', 'FROM node:lts-slim AS x\nFROM node:24.')), [
      'simulator: levee:dev',
      'redis: redis:latest',
      'jaeger: jaegertracing/all-in-one',
      'grafana: grafana/grafana:main',
      'Dockerfile: FROM node:lts-slim',
    ]);
  });
});
