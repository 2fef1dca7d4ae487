import { describe, expect, it } from 'vitest';
import { evaluateFarms, farmSettings } from '../../../../server/farm/index.ts';
import type { ExpectedRegion, HostSnapshot, RegionMismatch } from '../../../../server/farm/types.ts';
import { NOW, host } from '../../../helpers/server/farm-fleet.ts';

// Which time zones, locales and input methods raise a region alert for a user expected somewhere, with
// which severity and which evidence (field, value, country). Input method strings are the ones agents
// report: Windows TIP ids (LANGID:...), ibus / fcitx engine names on Linux, macOS input source ids.

type Ctx = HostSnapshot['context'];
const alertsFor = (context: Ctx, expected: ExpectedRegion | undefined) =>
  evaluateFarms([host('a', { user: 'alice', context })], farmSettings({ expectedRegions: expected ? { alice: expected } : {} }), NOW)
    .alerts;
const mismatches = (context: Ctx, expected: ExpectedRegion | undefined): Array<Partial<RegionMismatch>> => {
  const [a] = alertsFor(context, expected);
  if (!a) return [];
  if (a.explanation.kind !== 'region') throw new Error('region explanation expected');
  return a.explanation.mismatches.map((m) => ({ field: m.field, value: m.value, country: m.country, severity: m.severity }));
};
const US: ExpectedRegion = { countries: ['US'] };
const KR: ExpectedRegion = { countries: ['KR'] };

describe('input methods', () => {
  const lang = (im: string, expected: ExpectedRegion = US) => mismatches({ inputMethods: [im] }, expected).length === 1;
  const LANGS: Record<string, { ims: string[]; home: string[] }> = {
    ko: {
      ims: [
        '0412:{A028AE76-01B1-46C2-99C4-ACD9858AE02F}',
        'ibus:hangul',
        'com.apple.inputmethod.Korean.2SetKorean',
        'xkb:kr:kr104:kor',
        'kr',
        'kor',
        'xkb_kr',
        'fcitx-kr',
        'xkb:kor',
      ],
      home: ['KR', 'KP'],
    },
    zh: {
      ims: [
        '0804:{81D4E9C9-1D3B-41BC-9E6C-4B40BF79E35E}',
        '0404:{B115690A-EA02-48D5-A231-E3578D2FDF80}',
        'ibus:libpinyin',
        'ibus:rime',
        'ibus:chewing',
        'ibus:table:zhuyin',
        'ibus:table:cangjie5',
        'fcitx:wubi',
        'com.apple.inputmethod.SCIM.ITABC',
        'com.apple.inputmethod.TCIM.Pinyin',
        'com.apple.inputmethod.TCIM.Shuangpin',
        'com.apple.keylayout.Chinese',
        'xkb:cn::zho',
        'cn',
        'ibus:cn',
      ],
      home: ['CN', 'TW', 'HK', 'MO', 'SG'],
    },
    ja: {
      ims: [
        '0411:{03B5835F-F03C-411B-9CE2-AA23E1171E36}',
        'ibus:anthy',
        'ibus:mozc-jp',
        'ibus:kkc',
        'com.apple.inputmethod.Kotoeri.RomajiTyping',
        'com.apple.keylayout.Japanese',
        'xkb:jp::jpn',
        'jp',
        'ibus:jp',
        'ibus:skk',
      ],
      home: ['JP'],
    },
    ru: {
      ims: ['0419:00000419', 'com.apple.keylayout.Russian', 'xkb:ru::rus', 'ru', 'ibus_ru', 'xkb-ru-phonetic'],
      home: ['RU', 'BY', 'KZ', 'KG'],
    },
  };

  for (const [language, { ims, home }] of Object.entries(LANGS)) {
    it(`${language}: every spelling is a medium mismatch outside ${home.join('/')}, and none inside`, () => {
      for (const im of ims) {
        expect(mismatches({ inputMethods: [im] }, US)).toEqual([
          { field: 'input-method', value: im, country: undefined, severity: 'medium' },
        ]);
        for (const c of home) expect(lang(im, { countries: [c] })).toBe(false);
      }
    });
  }

  it('says nothing of layouts that name no checked language, or name one only inside a longer word', () => {
    for (const im of [
      '0409:00000409',
      '0407:00000407',
      'xkb:us::eng',
      'com.apple.keylayout.US',
      'xkb:de::ger',
      'krypton',
      'akr',
      'skorea',
      'cnn',
      'xcn',
      'jpg',
      'ajp',
      'rus',
      'guru',
      'truck-x',
      'x:kore',
      '412:x',
      'x0412:y',
    ]) {
      expect(lang(im)).toBe(false);
    }
    expect(lang('xKR')).toBe(false);
    expect(lang('KR')).toBe(true);
    expect(lang('HANGUL')).toBe(true);
    expect(lang('0412:X')).toBe(true);
  });

  it('reads the primary language from the low 10 bits of the Windows LANGID', () => {
    // 0x0812 is Korean (Johab): the sublanguage in the high bits does not change the language
    expect(lang('0812:x')).toBe(true);
    expect(lang('0c04:x')).toBe(true); // Chinese (Hong Kong)
    expect(lang('0412')).toBe(false); // no TIP id without the colon
  });

  it('checks input methods only for users expected in listed countries', () => {
    expect(mismatches({ inputMethods: ['ibus:hangul'] }, { timezones: ['America/New_York'] })).toEqual([]);
    expect(mismatches({ inputMethods: ['ibus:hangul'] }, undefined)).toEqual([]);
    expect(mismatches({ inputMethods: ['ibus:hangul', 'ibus:anthy'] }, KR)).toEqual([
      { field: 'input-method', value: 'ibus:anthy', country: undefined, severity: 'medium' },
    ]);
  });
});

describe('locales', () => {
  it('finds the country in every OS spelling', () => {
    for (const [loc, cc] of [
      ['de_DE.UTF-8', 'DE'],
      ['de-DE', 'DE'],
      ['zh-Hans-CN', 'CN'],
      ['sr_RS@latin', 'RS'],
      ['en_GB@rg=uszzzz', 'GB'],
      ['fr_fr', 'FR'],
      ['ca-ES-valencia', 'ES'],
    ]) {
      expect(mismatches({ locale: loc }, US)).toEqual([{ field: 'locale', value: loc, country: cc, severity: 'medium' }]);
    }
  });

  it('names no country for a bare language or C, and a listed country is no mismatch', () => {
    for (const loc of ['C', 'POSIX', 'en', 'C.UTF-8', 'zh-Hans', 'de.UTF-8_DE', 'en@DE', 'x-DEU', 'fil-PH1'])
      expect(mismatches({ locale: loc }, US)).toEqual([]);
    expect(mismatches({ locale: 'en_US.UTF-8' }, US)).toEqual([]);
    expect(mismatches({ locale: 'de_DE' }, { countries: ['US', 'DE'] })).toEqual([]);
  });

  it('checks locales only for users expected in listed countries, except DPRK ones', () => {
    expect(mismatches({ locale: 'de_DE' }, { timezones: ['America/New_York'] })).toEqual([]);
    expect(mismatches({ locale: 'de_DE' }, undefined)).toEqual([]);
    expect(mismatches({ locale: 'ko_KP' }, KR)).toEqual([{ field: 'locale', value: 'ko_KP', country: 'KP', severity: 'critical' }]);
  });
});

describe('time zones', () => {
  it('a zone of several countries is a mismatch only when none is expected, and names no single country', () => {
    expect(mismatches({ timezone: 'China Standard Time' }, { countries: ['HK'] })).toEqual([]);
    expect(mismatches({ timezone: 'Tokyo Standard Time' }, US)).toEqual([
      { field: 'timezone', value: 'Tokyo Standard Time', country: undefined, severity: 'high' },
    ]);
  });

  it('a zone that names no country mismatches only users with listed zones', () => {
    expect(mismatches({ timezone: 'UTC' }, US)).toEqual([]);
    expect(mismatches({ timezone: 'Etc/GMT+5' }, { timezones: ['America/New_York'] })).toEqual([
      { field: 'timezone', value: 'Etc/GMT+5', country: undefined, severity: 'high' },
    ]);
    expect(mismatches({ timezone: 'UTC' }, { countries: ['US'], timezones: ['America/New_York'] })).toEqual([]);
    expect(mismatches({ timezone: 'UTC' }, { timezones: ['UTC'] })).toEqual([]);
  });

  it('a listed zone is never a mismatch, even in another country; a row with neither checks nothing', () => {
    expect(mismatches({ timezone: 'Asia/Tokyo' }, { countries: ['US'], timezones: ['Asia/Tokyo'] })).toEqual([]);
    expect(mismatches({ timezone: 'Asia/Tokyo' }, { countries: [], timezones: [] })).toEqual([]);
    expect(mismatches({ timezone: 'Asia/Tokyo', locale: 'ja_JP', inputMethods: ['ibus:anthy'] }, {})).toEqual([]);
    expect(mismatches({ timezone: 'Asia/Tokyo' }, { countries: ['US', 'JP'] })).toEqual([]);
  });

  it('the DPRK zone is critical for a user expected in Korea too', () => {
    expect(mismatches({ timezone: 'Asia/Pyongyang' }, { countries: ['KP'] })).toEqual([
      { field: 'timezone', value: 'Asia/Pyongyang', country: 'KP', severity: 'critical' },
    ]);
  });
});

describe('severity and title of a region alert', () => {
  it('the worst value sets the severity; two different fields raise it one step, two values of one field do not', () => {
    const sev = (ctx: Ctx, hist: Ctx[] = []) =>
      evaluateFarms(
        [host('a', { user: 'alice', context: ctx, contextHistory: hist.map((c) => ({ ...c, at: NOW.toISOString() })) })],
        farmSettings({ expectedRegions: { alice: US } }),
        NOW,
      ).alerts.map((a) => a.severity);
    expect(sev({ locale: 'de_DE' })).toEqual(['medium']);
    expect(sev({ locale: 'de_DE', inputMethods: ['ibus:anthy'] })).toEqual(['high']);
    expect(sev({ locale: 'de_DE' }, [{ locale: 'fr_FR' }])).toEqual(['medium']);
    expect(sev({ timezone: 'Asia/Tokyo', locale: 'de_DE' })).toEqual(['critical']);
    expect(sev({ timezone: 'Asia/Pyongyang', locale: 'de_DE' })).toEqual(['critical']);
    expect(sev({ timezone: 'Asia/Tokyo' }, [{ timezone: 'Europe/Paris' }])).toEqual(['high']);
  });

  it('the title names the first value, how many more, and the host', () => {
    const titles = (ctx: Ctx) => alertsFor(ctx, US).map((a) => a.title);
    expect(titles({ locale: 'de_DE' })).toEqual(["Host outside its user's region: locale de_DE on a-laptop"]);
    expect(titles({ timezone: 'Asia/Tokyo', locale: 'de_DE', inputMethods: ['ibus:anthy'] })).toEqual([
      "Host outside its user's region: timezone Asia/Tokyo (+2 more) on a-laptop",
    ]);
    expect(titles({ timezone: 'Asia/Pyongyang', locale: 'ko_KP' })).toEqual([
      'Host set to a DPRK timezone Asia/Pyongyang (+1 more) on a-laptop',
    ]);
  });

  it('region evidence names the host, its user and each mismatch with what was expected', () => {
    const [a] = evaluateFarms(
      [
        host('a', { user: 'CORP\\Alice', context: { locale: 'de_DE' } }),
        host('b', { user: undefined, context: { timezone: 'Asia/Pyongyang' } }),
      ],
      farmSettings({ expectedRegions: { alice: US } }),
      NOW,
    ).alerts;
    expect(a).toEqual({
      rule: 'region-mismatch',
      subject: 'region:a',
      severity: 'medium',
      title: "Host outside its user's region: locale de_DE on a-laptop",
      explanation: {
        kind: 'region',
        host: { agentId: 'a', hostname: 'a-laptop', user: 'CORP\\Alice' },
        mismatches: [{ field: 'locale', value: 'de_DE', country: 'DE', expected: US, severity: 'medium' }],
      },
      agentIds: ['a'],
    });
  });
});
