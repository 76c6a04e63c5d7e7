import { describe, expect, it } from 'vitest';
import { mediaBlockProblem } from './media-blocks.js';

const image = (source: unknown) => ({
  role: 'user',
  content: [
    { type: 'image', source },
    { type: 'text', text: 'what is it?' },
  ],
});

describe('mediaBlockProblem', () => {
  it('accepts base64 images and PDFs as the API takes them, and plain text', () => {
    expect(
      mediaBlockProblem([
        image({ type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }),
        {
          content: [
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
          ],
        },
        { content: 'plain' },
      ]),
    ).toBeUndefined();
  });

  it('names the first bad block like the API does', () => {
    expect(mediaBlockProblem([image({ type: 'base64', media_type: 'image/svg+xml', data: 'AAAA' })])).toMatch(
      /^messages\.0\.content\.0\.image\.source\.media_type: Input should be 'image\/jpeg'/,
    );
    expect(mediaBlockProblem([image({ type: 'base64', media_type: 'image/png', data: 'not base64!' })])).toBe(
      'messages.0.content.0.image.source.data: must be non-empty base64',
    );
    expect(
      mediaBlockProblem([
        {
          content: [{ type: 'document', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }],
        },
      ]),
    ).toMatch(/document\.source\.media_type: Input should be 'application\/pdf'/);
    expect(mediaBlockProblem([{ content: [{ type: 'image' }] }])).toBe(
      'messages.0.content.0.image.source: Field required',
    );
  });
});
