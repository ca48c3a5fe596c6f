import { formatScore, type Answer } from '../lib/answer.js';

/** A processed version's answer: a label or a text with its score, a ranked table, or the raw outputs. */
export function AnswerView({ answer }: { answer: Answer }) {
  switch (answer.kind) {
    case 'label':
    case 'text':
      return (
        <dl className="facts facts-compact answer">
          <div><dt>{answer.kind === 'label' ? 'Label' : 'Text'}</dt><dd><strong className="answer-value">{answer.kind === 'label' ? answer.label : answer.text}</strong></dd></div>
          <div><dt>Score</dt><dd>{formatScore(answer.score)}</dd></div>
        </dl>
      );
    case 'ranked':
      return answer.rows.length === 0 ? <p className="hint answer">No label scored high enough.</p> : (
        <table className="table table-dense answer">
          <thead><tr><th scope="col">Label</th><th scope="col" className="num">Score</th></tr></thead>
          <tbody>
            {answer.rows.map((r, i) => (
              <tr key={`${i}-${r.label}`}><th scope="row" className={i === 0 ? 'answer-value' : undefined}>{r.label}</th><td className="num">{formatScore(r.score)}</td></tr>
            ))}
          </tbody>
        </table>
      );
    case 'outputs':
      return <pre className="code-block answer">{JSON.stringify(answer.outputs, null, 2)}</pre>;
  }
}
