import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../renderer/api/client.js';
import { ErrorState } from '../../../renderer/components/StateViews.js';

describe('ErrorState', () => {
  test('an endpoint the server lacks reads as "not available", not as a failure', () => {
    const html = renderToStaticMarkup(<ErrorState error={new ApiError('This server has no GET /admin/v1/network yet; it may be older than this page.', 404)} title="Could not load the network settings" />);
    expect(html).toContain('role="alert"');
    expect(html).toContain('Not available on this server');
    expect(html).not.toContain('Could not load the network settings');
  });

  test('other errors show the title, the message and a retry button when given one', () => {
    const html = renderToStaticMarkup(<ErrorState error={new ApiError('The admin token is not valid.', 401)} title="Could not load the keys" onRetry={() => undefined} />);
    expect(html).toContain('Could not load the keys');
    expect(html).toContain('The admin token is not valid.');
    expect(html).toContain('>Try again</button>');
  });
});
