import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, fillTemplate, scopeOf, singlePlaceholder, type TemplateMode, type TemplateScope } from './template.js';
import { actionContext } from './testing/action-context.js';

const scope: TemplateScope = {
  profile: {
    person: { name: { firstName: 'Ada', lastName: 'O"Neil\nX' } },
    age: 36,
    vip: true,
    nothing: null,
    tags: ['a', 'b'],
    orders: [{ sku: 'S1' }, { sku: 'S2' }],
    deep: { a: { b: { c: { d: { e: { f: 'deep' } } } } } },
    weird: 'a&b <c> d/e?f=g',
  },
  event: { commerce: { order: { priceTotal: 42.5 } } },
  instance: { id: 'inst-1' },
  identity: { namespace: 'Email', id: 'ada@example.com' },
  journey: { id: 'j1', versionId: 'v1' },
};

describe('fillTemplate', () => {
  const cases: Array<[string, string, TemplateMode, string]> = [
    ['plain literal', 'hello', 'text', 'hello'],
    ['string value', 'Hi {{profile.person.name.firstName}}!', 'text', 'Hi Ada!'],
    ['spaces inside braces', 'Hi {{ profile.person.name.firstName }}', 'text', 'Hi Ada'],
    ['number as text', '{{profile.age}}', 'text', '36'],
    ['boolean as text', '{{profile.vip}}', 'text', 'true'],
    ['array as JSON', '{{profile.tags}}', 'text', '["a","b"]'],
    ['object as JSON', '{{event.commerce}}', 'text', '{"order":{"priceTotal":42.5}}'],
    ['array index', '{{profile.orders.1.sku}}', 'text', 'S2'],
    ['deep path', '{{profile.deep.a.b.c.d.e.f}}', 'text', 'deep'],
    ['missing → empty', '[{{profile.nope.x}}]', 'text', '[]'],
    ['null → empty', '[{{profile.nothing}}]', 'text', '[]'],
    ['path through a string → empty', '[{{profile.person.name.firstName.x}}]', 'text', '[]'],
    ['non-numeric index into array → empty', '[{{profile.tags.length}}]', 'text', '[]'],
    ['no prototype reads', '[{{profile.constructor}}][{{profile.__proto__}}]', 'text', '[][]'],
    ['instance, identity, journey roots', '{{instance.id}} {{identity.namespace}}:{{identity.id}} {{journey.versionId}}', 'text', 'inst-1 Email:ada@example.com v1'],
    ['stray closing braces are text', 'a }} b', 'text', 'a }} b'],
    ['triple braces in JSON', '{"x":{{{profile.age}}}}', 'text', '{"x":{36}}'],
    ['url mode encodes', 'https://x.test/p/{{profile.weird}}?q={{identity.id}}', 'url', 'https://x.test/p/a%26b%20%3Cc%3E%20d%2Fe%3Ff%3Dg?q=ada%40example.com'],
    ['html mode escapes', '<p>{{profile.weird}}</p>', 'html', '<p>a&amp;b &lt;c&gt; d/e?f=g</p>'],
    ['json: escaped inside a string', '{"n":"{{profile.person.name.lastName}}"}', 'json', '{"n":"O\\"Neil\\nX"}'],
    ['json: value outside a string', '{"age":{{profile.age}},"tags":{{profile.tags}},"s":{{profile.person.name.firstName}}}', 'json', '{"age":36,"tags":["a","b"],"s":"Ada"}'],
    ['json: missing outside a string is null', '{"x":{{profile.nope}}}', 'json', '{"x":null}'],
    ['json: escaped quote in literal keeps string state', '{"a":"q\\"{{profile.age}}","b":{{profile.age}}}', 'json', '{"a":"q\\"36","b":36}'],
    ['json: object inside a string is escaped JSON text', '{"o":"{{event.commerce}}"}', 'json', '{"o":"{\\"order\\":{\\"priceTotal\\":42.5}}"}'],
  ];
  for (const [name, text, mode, want] of cases) {
    it(name, () => {
      const r = fillTemplate(text, scope, mode);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value, want);
    });
  }

  it('json mode with hostile values always parses and round-trips', () => {
    const nasty = 'a"b\\c\n\r\t\u0000}{"x":1,"';
    const r = fillTemplate('{"v":"{{profile.v}}","w":{{profile.v}}}', { profile: { v: nasty } }, 'json');
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(r.value), { v: nasty, w: nasty });
  });

  it('scopeOf reads the context (event falls back to the trigger)', () => {
    const ctx = actionContext({ event: undefined });
    ctx.instance.trigger = { segmentId: 's1' };
    const s = scopeOf(ctx);
    const r = fillTemplate('{{event.segmentId}} {{instance.personKey}} {{journey.id}}', s);
    assert.ok(r.ok);
    assert.equal(r.value, 's1 Email:ada@example.com j1');
  });

  it('singlePlaceholder spots a lone placeholder', () => {
    assert.equal(singlePlaceholder(' {{profile.age}} ')?.root, 'profile');
    assert.equal(singlePlaceholder('x{{profile.age}}'), undefined);
    assert.equal(singlePlaceholder('{{profile.a}}{{profile.b}}'), undefined);
  });

  describe('invalid input', () => {
    const bad: Array<[string, string, RegExp]> = [
      ['unclosed braces', 'Hi {{profile.name', /unclosed '\{\{' at offset 3/],
      ['unclosed before another', '{{profile.a {{profile.b}}', /unclosed/],
      ['empty placeholder', 'x {{ }} y', /empty placeholder/],
      ['unknown root', '{{user.name}}', /unknown placeholder root 'user'/],
      ['root with different case', '{{Profile.name}}', /unknown placeholder root/],
      ['code is not evaluated', '{{profile.a + 1}}', /bad path segment/],
      ['function call', '{{process.exit()}}', /unknown placeholder root 'process'/],
      ['empty segment', '{{profile..a}}', /bad path segment ''/],
      ['bracket indexing', '{{profile.tags[0]}}', /bad path segment/],
      ['too deep', `{{profile.${Array.from({ length: 40 }, () => 'a').join('.')}}}`, /deeper than/],
    ];
    for (const [name, text, want] of bad) {
      it(name, () => {
        const c = checkTemplate(text);
        assert.equal(c.ok, false);
        if (!c.ok) assert.match(c.error, want);
        const f = fillTemplate(text, scope);
        assert.equal(f.ok, false);
      });
    }

    it('a non-object profile or event reads as missing', () => {
      for (const profile of [null, 'str', 42, ['x'], undefined]) {
        const r = fillTemplate('[{{profile.a.b}}][{{event.x}}]', { profile, event: 7 });
        assert.ok(r.ok);
        assert.equal(r.value, '[][]');
      }
    });

    it('a non-string template is an error value', () => {
      assert.equal(checkTemplate(42 as unknown as string).ok, false);
    });

    it('a cyclic value renders empty instead of throwing', () => {
      const cyc: Record<string, unknown> = {};
      cyc.self = cyc;
      const t = fillTemplate('[{{profile.c}}]', { profile: { c: cyc } });
      assert.ok(t.ok);
      assert.equal(t.value, '[]');
      const j = fillTemplate('{"c":{{profile.c}}}', { profile: { c: cyc } }, 'json');
      assert.ok(j.ok);
      assert.equal(j.value, '{"c":null}');
    });
  });
});
