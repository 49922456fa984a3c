// Helpers of the aws-backup-exporter mixin: durations, selectors, annotation text and the
// rewrite that puts the exporter selector into the dashboard's queries. Standard library only.
local units = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

{
  // Seconds in a Prometheus-style duration: '90s', '15m', '26h', '35d', '1h30m' (units s m h d w y).
  seconds(d)::
    local step(acc, c) =
      if c >= '0' && c <= '9' then acc { num: acc.num + c }
      else if std.objectHas(units, c) && acc.num != '' then
        acc { total: acc.total + std.parseInt(acc.num) * units[c], num: '' }
      else error 'aws-backup mixin: bad duration "%s" (use e.g. 90s, 15m, 26h, 35d, 1h30m)' % d;
    local r = std.foldl(step, std.stringChars(d), { total: 0, num: '' });
    if d == '' || r.num != '' then
      error 'aws-backup mixin: bad duration "%s" (a number needs a unit: s m h d w y)' % d
    else r.total,

  // A number as PromQL writes it: integers without a decimal point.
  num(x):: if std.floor(x) == x then '%d' % x else std.toString(x),

  // Matchers joined into one selector body, empty parts skipped: sel(['job=~"x"', '', 'a="b"']).
  sel(parts):: std.join(', ', std.filter(function(p) p != '', parts)),

  // Annotation text written as a text block: lines joined by single spaces, blank lines dropped,
  // so a description reads as one paragraph (as a folded YAML scalar would).
  // `@name@` tokens are then replaced by the strings of `vars`.
  text(s, vars={})::
    local joined = std.join(' ', std.filter(function(l) l != '', [std.stripChars(l, ' ') for l in std.split(s, '\n')]));
    std.foldl(function(acc, k) std.strReplace(acc, '@' + k + '@', vars[k]), std.objectFields(vars), joined),

  // Puts `selector` first into every `{...}` of a PromQL expression: `m{}` becomes `m{selector}`,
  // `m{a="b"}` becomes `m{selector, a="b"}`. Grafana's `${var}` references are left alone. The
  // dashboard source therefore writes every selector of the exporter's series with braces, also
  // when it has no matcher of its own (`aws_backup_exporter_build_info{}`);
  // tests/e2e/check_mixin.py proves that none was missed.
  addSelector(expr, selector)::
    local parts = std.split(expr, '{');
    std.foldl(
      function(acc, p)
        if std.endsWith(acc, '$') then acc + '{' + p
        else if std.startsWith(p, '}') then acc + '{' + selector + p
        else acc + '{' + selector + ', ' + p,
      parts[1:],
      parts[0]
    ),

  // Every string of a JSON value passed through f.
  mapStrings(v, f)::
    if std.isString(v) then f(v)
    else if std.isArray(v) then [$.mapStrings(x, f) for x in v]
    else if std.isObject(v) then std.mapWithKey(function(_, x) $.mapStrings(x, f), v)
    else v,

  // The dashboard source (mixin/dashboards/*.json) made concrete for a configuration: `@token@`
  // placeholders replaced by `tokens` (strings) and `numbers`, and the selector added to every
  // panel query (rows' nested panels included) and every query variable. A string that is
  // exactly one `@number@` token becomes that number (a threshold's "value": "@restoreMaxAgeSeconds@");
  // inside a longer string a number is written as PromQL writes it (num).
  dashboard(src, selector, tokens, numbers={})::
    local all = tokens + { [k]: $.num(numbers[k]) for k in std.objectFields(numbers) };
    local replaceTokens(s) =
      local inner = std.substr(s, 1, std.max(0, std.length(s) - 2));
      if std.length(s) > 2 && std.startsWith(s, '@') && std.endsWith(s, '@') && std.objectHas(numbers, inner) then
        numbers[inner]
      else
        std.foldl(function(acc, k) std.strReplace(acc, '@' + k + '@', all[k]), std.objectFields(all), s);
    local d = $.mapStrings(src, replaceTokens);
    local panel(p) =
      p
      + (if std.objectHas(p, 'targets') then
           { targets: [t + (if std.objectHas(t, 'expr') then { expr: $.addSelector(t.expr, selector) } else {})
                       for t in p.targets] }
         else {})
      + (if std.objectHas(p, 'panels') then { panels: [panel(c) for c in p.panels] } else {});
    local variable(v) =
      if v.type == 'query' then
        v + {
          query: if std.isString(v.query) then $.addSelector(v.query, selector)
          else v.query + { query: $.addSelector(v.query.query, selector) },
        } + (if std.objectHas(v, 'definition') then { definition: $.addSelector(v.definition, selector) } else {})
      else v;
    d + {
      panels: [panel(p) for p in d.panels],
      templating+: { list: [variable(v) for v in d.templating.list] },
    },
}
