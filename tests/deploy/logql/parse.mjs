// Parses LogQL expressions with Grafana's own LogQL grammar (@grafana/lezer-logql, the one
// Grafana's query editor uses) and describes what each one reads.
//
// stdin:  a JSON array of strings (the expressions).
// stdout: a JSON array, one object per expression, in the same order:
//   ok                  true when the tree has no error node (and the input is not empty)
//   errors              [{from, to, near}] for every error node
//   selectors           [[{label, op, value}]], one list per stream selector {…}
//   parsers             ["json", "logfmt", …] parser stages, in order
//   json_expressions    [{label, path}] of `| json label="path"`
//   line_filters        [{op, value}] of |= != |~ !~ |>
//   label_filters       [{field, kind, op, value}] kind: string | number | duration | bytes | ip
//   label_filter_or     true when label filters are combined with `or` (not a plain AND)
//   line_format_fields  fields a line_format template reads ({{ .field }})
//   label_format        [{label, reads}] labels made by label_format and what they read
//   unwrap              [{field, conversion}] conversion: "", "duration", "bytes", …
//   grouping            [{kind, labels}] by/without clauses of aggregations
//   keep_labels, drop_labels
// Exit code 0 whenever the input could be read (a failed parse is data, not an error).
import { parser } from '@grafana/lezer-logql';

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { data += chunk; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

// LogQL strings: "double quoted" with Go escapes, or `raw`.
function unquote(text) {
  if (text.startsWith('`') && text.endsWith('`') && text.length >= 2) {
    return text.slice(1, -1);
  }
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return JSON.parse(text);
    } catch {
      return text.slice(1, -1);
    }
  }
  return text;
}

// Field names a Go text/template reads: {{ .method }}, {{ .status_code | printf "%d" }}…
function templateFields(template) {
  const fields = new Set();
  for (const action of template.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    for (const ref of action[1].matchAll(/(?:^|[\s(|,])\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      fields.add(ref[1]);
    }
  }
  return [...fields];
}

const OPERATORS = {
  Eq: '=', Neq: '!=', Re: '=~', Nre: '!~', Gtr: '>', Gte: '>=', Lss: '<', Lte: '<=', Eql: '==',
  PipeExact: '|=', PipeMatch: '|~', PipePattern: '|>', Npa: '!>',
};

function childrenOf(node) {
  const out = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

function operatorOf(node) {
  for (const child of childrenOf(node)) {
    if (OPERATORS[child.name]) return OPERATORS[child.name];
  }
  return '';
}

function describe(expr) {
  const result = {
    expr,
    ok: true,
    errors: [],
    selectors: [],
    parsers: [],
    json_expressions: [],
    line_filters: [],
    label_filters: [],
    label_filter_or: false,
    line_format_fields: [],
    label_format: [],
    unwrap: [],
    grouping: [],
    keep_labels: [],
    drop_labels: [],
  };
  if (typeof expr !== 'string' || expr.trim() === '') {
    result.ok = false;
    result.errors.push({ from: 0, to: 0, near: 'empty expression' });
    return result;
  }
  const text = (node) => expr.slice(node.from, node.to);
  const tree = parser.parse(expr);
  const cursor = tree.cursor();
  do {
    const node = cursor.node;
    if (node.type.isError) {
      result.ok = false;
      result.errors.push({
        from: node.from,
        to: node.to,
        near: expr.slice(Math.max(0, node.from - 15), Math.min(expr.length, node.to + 15)),
      });
      continue;
    }
    switch (node.name) {
      case 'Selector': {
        const matchers = [];
        const walk = (n) => {
          for (const child of childrenOf(n)) {
            if (child.name === 'Matcher') {
              const id = child.getChild('Identifier');
              const value = child.getChild('String');
              matchers.push({
                label: id ? text(id) : '',
                op: operatorOf(child),
                value: value ? unquote(text(value)) : '',
              });
            } else if (child.name === 'Matchers') {
              walk(child);
            }
          }
        };
        walk(node);
        result.selectors.push(matchers);
        break;
      }
      case 'LabelParser':
      case 'LogfmtParser':
      case 'JsonExpressionParser':
      case 'LogfmtExpressionParser': {
        const first = node.firstChild;
        result.parsers.push(first ? text(first) : text(node).split(/\s/)[0]);
        if (node.name === 'JsonExpressionParser') {
          const list = node.getChild('LabelExtractionExpressionList');
          const collect = (n) => {
            for (const child of childrenOf(n)) {
              if (child.name === 'LabelExtractionExpression') {
                const id = child.getChild('Identifier');
                const path = child.getChild('String');
                const label = id ? text(id) : '';
                result.json_expressions.push({ label, path: path ? unquote(text(path)) : label });
              } else if (child.name === 'LabelExtractionExpressionList') {
                collect(child);
              }
            }
          };
          if (list) collect(list);
        }
        break;
      }
      case 'LineFilter': {
        const filter = node.getChild('Filter');
        const value = node.getChild('String');
        result.line_filters.push({
          op: filter ? text(filter) : '',
          value: value ? unquote(text(value)) : '',
        });
        break;
      }
      case 'Matcher': {
        // A Matcher outside a Selector is a string label filter (| route="/health").
        if (node.parent && node.parent.name === 'LabelFilter') {
          const id = node.getChild('Identifier');
          const value = node.getChild('String');
          result.label_filters.push({
            field: id ? text(id) : '',
            kind: 'string',
            op: operatorOf(node),
            value: value ? unquote(text(value)) : '',
          });
        }
        break;
      }
      case 'NumberFilter':
      case 'DurationFilter':
      case 'BytesFilter':
      case 'IpLabelFilter': {
        const kind = { NumberFilter: 'number', DurationFilter: 'duration', BytesFilter: 'bytes', IpLabelFilter: 'ip' }[node.name];
        const id = node.getChild('Identifier');
        const literal = node.getChild('LiteralExpr') || node.getChild('Duration')
          || node.getChild('Bytes') || node.getChild('String');
        result.label_filters.push({
          field: id ? text(id) : '',
          kind,
          op: operatorOf(node),
          value: literal ? unquote(text(literal)) : '',
        });
        break;
      }
      case 'Or': {
        if (node.parent && node.parent.name === 'LabelFilter') result.label_filter_or = true;
        break;
      }
      case 'LineFormatExpr': {
        const template = node.getChild('String');
        if (template) {
          for (const field of templateFields(unquote(text(template)))) {
            if (!result.line_format_fields.includes(field)) result.line_format_fields.push(field);
          }
        }
        break;
      }
      case 'LabelFormatMatcher': {
        const ids = node.getChildren('Identifier');
        const template = node.getChild('String');
        const label = ids.length ? text(ids[0]) : '';
        const reads = template ? templateFields(unquote(text(template))) : ids.slice(1).map(text);
        result.label_format.push({ label, reads });
        break;
      }
      case 'UnwrapExpr': {
        const conv = node.getChild('ConvOp');
        const id = node.getChild('Identifier');
        result.unwrap.push({ field: id ? text(id) : '', conversion: conv ? text(conv) : '' });
        break;
      }
      case 'Grouping': {
        const kind = node.getChild('By') ? 'by' : 'without';
        const labels = [];
        const labelsNode = node.getChild('Labels');
        const collect = (n) => {
          for (const child of childrenOf(n)) {
            if (child.name === 'Identifier') labels.push(text(child));
            else if (child.name === 'Labels') collect(child);
          }
        };
        if (labelsNode) collect(labelsNode);
        result.grouping.push({ kind, labels });
        break;
      }
      case 'KeepLabel':
      case 'DropLabel': {
        const id = node.getChild('Identifier');
        (node.name === 'KeepLabel' ? result.keep_labels : result.drop_labels).push(id ? text(id) : text(node));
        break;
      }
      default:
        break;
    }
  } while (cursor.next());
  return result;
}

const input = await readStdin();
let expressions;
try {
  expressions = JSON.parse(input);
} catch (error) {
  process.stderr.write(`parse.mjs: stdin is not JSON: ${error.message}\n`);
  process.exit(2);
}
if (!Array.isArray(expressions)) {
  process.stderr.write('parse.mjs: stdin must be a JSON array of strings\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(expressions.map(describe), null, 1) + '\n');
