import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import cron from 'node-cron';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../agent/config/errors.ts';
import { addConfigOptions, configFlags } from '../../../../agent/config/flags.ts';
import { FIELDS } from '../../../../agent/config/fields.ts';
import { loadConfig, requireEndpoint, resolveConfigPath } from '../../../../agent/config/load.ts';
import { endpointUrlProblem, isLoopbackHost } from '../../../../agent/config/loopback.ts';

const dir = mkdtempSync(join(tmpdir(), 'ratwatch-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads YAML and fills defaults', () => {
    const f = file(
      'a.yaml',
      'endpoint:\n  url: https://reports.example.com/v1\n  format: ocsf\n  tokenFile: token\nschedule: "*/15 * * * *"\nspoolDir: /var/tmp/rw\n',
    );
    const c = loadConfig({ file: f, env: {} });
    expect(c.endpoint).toMatchObject({
      url: 'https://reports.example.com/v1',
      format: 'ocsf',
      allowInsecureHttp: false,
      gzip: true,
      timeoutMs: 30000,
    });
    expect(c.endpoint.tokenFile).toBe(join(dir, 'token')); // relative to the config file, not the cwd
    expect(c.schedule).toBe('*/15 * * * *');
    expect(c.fullStateEvery).toBe(24);
    expect(c.jitterSeconds).toBe(300);
    expect(c.file).toBe(f);
  });

  it('reads JSON', () => {
    const f = file('a.json', JSON.stringify({ endpoint: { url: 'https://r.example/' }, fullStateEvery: 6 }));
    expect(loadConfig({ file: f, env: {} }).fullStateEvery).toBe(6);
  });

  it('applies flags over env over file over defaults', () => {
    const f = file('p.yaml', 'jitterSeconds: 10\nfullStateEvery: 3\nspoolDir: /from/file\nendpoint:\n  url: https://file.example/\n');
    const env = { RATWATCH_JITTER_SECONDS: '20', RATWATCH_SPOOL_DIR: '/from/env' };
    const c = loadConfig({ file: f, env, flags: { jitterSeconds: '30' } });
    expect(c.jitterSeconds).toBe(30); // flag
    expect(c.spoolDir).toBe('/from/env'); // env
    expect(c.fullStateEvery).toBe(3); // file
    expect(c.retryMaxSeconds).toBe(3600); // default
    expect(c.endpoint.url).toBe('https://file.example/');
  });

  it('says which file and key are wrong, in one line', () => {
    const f = file('bad.yaml', 'endpoint:\n  url: ftp://reports.example.com/\n');
    expect(errorOf(() => loadConfig({ file: f, env: {} })).message).toBe(`config ${f}: endpoint.url must be an https URL`);
    const g = file('http.yaml', 'endpoint:\n  url: http://192.0.2.1/ingest\n');
    expect(errorOf(() => loadConfig({ file: g, env: {} })).message).toMatch(
      new RegExp(`^config ${g}: endpoint.url must be an https URL \\(`),
    );
  });

  it('names env and flag sources in errors', () => {
    expect(errorOf(() => loadConfig({ env: { RATWATCH_JITTER_SECONDS: 'soon' } })).message).toBe(
      'env RATWATCH_JITTER_SECONDS: jitterSeconds must be an integer from 0 to 86400',
    );
    expect(errorOf(() => loadConfig({ env: {}, flags: { schedule: 'every hour' } })).message).toBe(
      'flag --schedule: schedule must be a cron expression (e.g. "0 * * * *")',
    );
    expect(errorOf(() => loadConfig({ env: { RATWATCH_ENDPOINT_FORMAT: 'xml' } })).message).toBe(
      'env RATWATCH_ENDPOINT_FORMAT: endpoint.format must be one of native, ocsf, splunk-hec',
    );
  });

  it('refuses unknown keys, broken YAML and non-mappings', () => {
    const f = file('typo.yaml', 'endpoint:\n  tokn: x\n');
    expect(errorOf(() => loadConfig({ file: f, env: {} })).message).toBe(`config ${f}: unknown key endpoint.tokn`);
    const g = file('broken.yaml', 'endpoint: [unclosed\n  url: x');
    const msg = errorOf(() => loadConfig({ file: g, env: {} })).message;
    expect(msg).toMatch(new RegExp(`^config ${g}: not valid YAML: `));
    expect(msg).not.toContain('\n');
    const h = file('list.yaml', '- a\n- b\n');
    expect(errorOf(() => loadConfig({ file: h, env: {} })).message).toBe(`config ${h}: top level must be a mapping of settings`);
    expect(errorOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} })).message).toBe(
      `config ${join(dir, 'missing.yaml')}: cannot read (ENOENT)`,
    );
  });

  it('allows http only to loopback unless allowInsecureHttp', () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:9/x', 'http://127.5.6.7/']) {
      expect(loadConfig({ env: { RATWATCH_ENDPOINT_URL: url } }).endpoint.url).toBe(url);
    }
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_URL: 'http://192.0.2.1/' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_URL: 'http://128.0.0.1/' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_URL: 'http://localhost.evil.example/' } })).toThrow(ConfigError);
    const ok = loadConfig({ env: { RATWATCH_ENDPOINT_URL: 'http://192.0.2.1/', RATWATCH_ENDPOINT_ALLOW_INSECURE_HTTP: 'true' } });
    expect(ok.endpoint.allowInsecureHttp).toBe(true);
    expect(errorOf(() => loadConfig({ env: { RATWATCH_ENDPOINT_URL: 'https://user:pw@r.example/' } })).message).toMatch(
      /endpoint.url must not carry credentials/,
    );
  });

  it('refuses two token sources and a base delay above the cap', () => {
    expect(() => loadConfig({ env: { RATWATCH_ENDPOINT_TOKEN_FILE: '/t', RATWATCH_ENDPOINT_TOKEN_ENV: 'TOK' } })).toThrow(/only one of/);
    expect(() => loadConfig({ env: { RATWATCH_RETRY_BASE_SECONDS: '100', RATWATCH_RETRY_MAX_SECONDS: '10' } })).toThrow(/must not exceed/);
  });

  it('requireEndpoint explains a missing url', () => {
    const c = loadConfig({ env: {} });
    expect(() => requireEndpoint(c)).toThrow(/endpoint.url is required/);
  });

  it('resolves the config path from flag, RATWATCH_CONFIG, then an existing default', () => {
    const f = file('d.yaml', '');
    expect(resolveConfigPath('/x.yaml', { RATWATCH_CONFIG: '/y.yaml' }, f)).toBe('/x.yaml');
    expect(resolveConfigPath(undefined, { RATWATCH_CONFIG: '/y.yaml' }, f)).toBe('/y.yaml');
    expect(resolveConfigPath(undefined, {}, f)).toBe(f);
    expect(resolveConfigPath(undefined, {}, join(dir, 'absent.yaml'))).toBeUndefined();
    expect(loadConfig({ file: f, env: {} }).schedule).toBe('0 * * * *'); // an empty file is all defaults
  });

  it('has defaults node-cron accepts, since a default expression is not validated at every load', () => {
    const defaults = FIELDS.filter((f) => f.type.kind === 'cron').map((f) => f.default);
    expect(defaults).toEqual(['0 * * * *']);
    for (const d of defaults) expect(cron.validate(d as string)).toBe(true);
  });
});

describe('config flags through commander', () => {
  function parse(argv: string[]) {
    const cmd = addConfigOptions(new Command('daemon').exitOverride());
    cmd.parse(argv, { from: 'user' });
    return configFlags(cmd);
  }

  it('passes only the flags typed, so env and file still apply to the rest', () => {
    expect(parse(['--endpoint-url', 'https://r.example/', '--no-gzip', '--jitter-seconds', '5'])).toEqual({
      endpointUrl: 'https://r.example/',
      gzip: false,
      jitterSeconds: '5',
    });
    expect(parse([])).toEqual({});
    const c = loadConfig({ env: { RATWATCH_ENDPOINT_GZIP: 'false', RATWATCH_JITTER_SECONDS: '9' }, flags: parse(['--gzip']) });
    expect(c.endpoint.gzip).toBe(true);
    expect(c.jitterSeconds).toBe(9);
  });
});

describe('config flags on a command that already has some', () => {
  it('keeps the existing --policy and reads it as policyFile', () => {
    const cmd = new Command('scan').exitOverride().option('--policy <file>', 'company policy');
    addConfigOptions(cmd);
    expect(cmd.options.filter((o) => o.long === '--policy')).toHaveLength(1);
    cmd.parse(['--policy', '/etc/ratwatch-policy.yaml'], { from: 'user' });
    expect(loadConfig({ env: {}, flags: configFlags(cmd) }).policyFile).toBe('/etc/ratwatch-policy.yaml');
  });
});

describe('loopback', () => {
  it('recognises loopback names and addresses', () => {
    expect(['localhost', '127.0.0.1', '127.255.0.9', '[::1]', '::1', '::ffff:127.0.0.1', 'app.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['192.0.2.1', '10.0.0.1', '::2', 'localhost.example.com', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
    expect(endpointUrlProblem('not a url', false)).toBe('must be an https URL');
    expect(endpointUrlProblem('https://r.example/', false)).toBeUndefined();
  });
});
