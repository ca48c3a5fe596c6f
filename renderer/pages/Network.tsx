import { useId, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { keys, useNetwork } from '../api/queries.js';
import { useClient } from '../auth/session.js';
import { Badge } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { useConfirm } from '../components/ConfirmDialog.js';
import { CopyButton } from '../components/CopyButton.js';
import { errorText, QueryView } from '../components/StateViews.js';
import { groupHex } from '../lib/format.js';
import { exposureOptions, parseList, parseNetwork, sameList, type NetworkPatch, type NetworkSettings } from '../lib/network.js';

function useSaveNetwork() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (patch: NetworkPatch) => parseNetwork(await client.send<unknown>('PUT', '/admin/v1/network', patch)),
    onSuccess: (next) => {
      queryClient.setQueryData(keys.network, next);
      void queryClient.invalidateQueries({ queryKey: keys.system });
    },
  });
}

function ExposureCard({ n }: { n: NetworkSettings }) {
  const [exposure, setExposure] = useState(n.exposure);
  const save = useSaveNetwork();
  const { ask, dialog } = useConfirm();
  const id = useId();
  const turningOn = exposure !== 'loopback' && n.exposure === 'loopback';
  const apply = () => {
    const run = () => save.mutateAsync({ exposure });
    if (turningOn) {
      ask({
        title: 'Let other machines connect?',
        body: (
          <p>Hearth will listen on the network. Machines in the allowed ranges below can then call it with an API key.
            Only turn this on inside a network you trust, and keep the allowlist to the machines that need it.</p>
        ),
        confirmLabel: 'Turn on LAN access',
        run,
      });
    } else {
      save.mutate({ exposure });
    }
  };
  return (
    <Card title="LAN access">
      {dialog}
      <p className="lan-state">
        {n.lan
          ? <><Badge tone="warn">On</Badge> Other machines can connect. LAN clients always need an API key.</>
          : <><Badge tone="ok">Off</Badge> Only this computer can reach Hearth.</>}
      </p>
      {n.urls.length > 0 ? (
        <ul className="url-list plain">
          {n.urls.map((u) => <li key={u} className="url-row"><code>{u}</code> <CopyButton text={u} label="Copy URL" /></li>)}
        </ul>
      ) : null}
      <div className="toolbar">
        <div className="field-inline">
          <label htmlFor={id}>Listen on</label>
          <select id={id} value={exposure} onChange={(e) => setExposure(e.target.value)}>
            {exposureOptions(n.interfaces, n.exposure).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </div>
        <button type="button" className="btn btn-primary" disabled={save.isPending || exposure === n.exposure} onClick={apply}>Apply</button>
      </div>
      {turningOn ? (
        <p className="warning" role="note">
          Turning this on lets any machine in the allowed ranges try to connect. Requests still need a valid API key.
        </p>
      ) : null}
      {save.isError ? <p className="form-error" role="alert">{errorText(save.error)}</p> : null}
    </Card>
  );
}

function ListCard({ title, field, n, help, placeholder }: {
  title: string;
  field: 'allow' | 'corsOrigins';
  n: NetworkSettings;
  help: string;
  placeholder: string;
}) {
  const current = n[field];
  const [text, setText] = useState(current.join('\n'));
  const save = useSaveNetwork();
  const id = useId();
  const helpId = useId();
  const next = parseList(text);
  return (
    <Card title={title}>
      <form className="form" onSubmit={(e) => { e.preventDefault(); save.mutate({ [field]: next }); }}>
        <div className="field">
          <label htmlFor={id}>{field === 'allow' ? 'Allowed client ranges, one per line' : 'Allowed web origins, one per line'}</label>
          <textarea id={id} rows={8} className="mono" value={text} onChange={(e) => setText(e.target.value)} placeholder={placeholder} aria-describedby={helpId} spellCheck={false} />
          <p id={helpId} className="hint">{help}</p>
        </div>
        {save.isError ? <p className="form-error" role="alert">{errorText(save.error)}</p> : null}
        {save.isSuccess && sameList(next, current) ? <p className="form-ok" role="status">Saved.</p> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending || sameList(next, current)}>Save</button>
        </div>
      </form>
    </Card>
  );
}

function TlsCard({ n }: { n: NetworkSettings }) {
  const tls = n.tls;
  return (
    <Card title="TLS (HTTPS)">
      {tls ? (
        <>
          <p><Badge tone="ok">On</Badge> {tls.source === 'generated' ? 'A self-signed certificate made by Hearth.' : 'The site’s own certificate.'}</p>
          <dl className="facts">
            <div>
              <dt>SHA-256 fingerprint</dt>
              <dd className="fingerprint"><code>{groupHex(tls.fingerprint256.replaceAll(':', ''))}</code> <CopyButton text={tls.fingerprint256} label="Copy fingerprint" /></dd>
            </div>
            {tls.subject ? <div><dt>Subject</dt><dd>{tls.subject}</dd></div> : null}
            {tls.validTo ? <div><dt>Valid until</dt><dd>{tls.validTo}</dd></div> : null}
          </dl>
          <p className="hint">Clients that do not trust the certificate can pin this fingerprint; compare it in person before trusting it.</p>
        </>
      ) : (
        <p><Badge tone="muted">Off</Badge> Traffic is plain HTTP. HTTPS is chosen when the server starts (its <code>tls</code> setting) and is not switched from here.</p>
      )}
    </Card>
  );
}

export function NetworkPage() {
  const network = useNetwork();
  return (
    <div className="page">
      <QueryView query={network} errorTitle="Could not load the network settings">
        {(n) => (
          <>
            <div className="grid-2">
              <ExposureCard key={n.exposure} n={n} />
              <TlsCard n={n} />
            </div>
            <div className="grid-2">
              <ListCard
                key={`allow-${n.allow.join(',')}`}
                title="Allowlist"
                field="allow"
                n={n}
                placeholder={'192.168.10.0/24\n10.1.2.3'}
                help="Client addresses in CIDR form. This computer (loopback) may always connect. An empty list allows no other machine."
              />
              <ListCard
                key={`cors-${n.corsOrigins.join(',')}`}
                title="CORS"
                field="corsOrigins"
                n={n}
                placeholder="https://dashboard.example.org"
                help="Web pages from these origins may call the API from a browser. Empty: cross-origin calls are refused. * allows any origin."
              />
            </div>
          </>
        )}
      </QueryView>
    </div>
  );
}
