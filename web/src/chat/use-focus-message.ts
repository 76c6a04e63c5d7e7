import { useEffect, useState } from 'react';

/** How long a message opened from search stays highlighted. */
export const FOCUS_MS = 2_500;
/** A second scroll once lazy Markdown and images have changed the heights above the message. */
const SETTLE_MS = 400;

export const messageElementId = (messageId: string) => `message-${messageId}`;

/**
 * Scrolls to a message once it is on screen and highlights it briefly: a Web Animations ring
 * that fades (no inline style attribute, which the CSP would refuse) and a `data-focused`
 * attribute while it lasts. `shown` changes whenever other messages are rendered.
 */
export function useFocusMessage(shown: unknown): (messageId: string) => void {
  const [target, setTarget] = useState<string | undefined>();
  useEffect(() => {
    if (target === undefined) return;
    const element = document.getElementById(messageElementId(target));
    if (!element) return;
    setTarget(undefined);
    element.scrollIntoView?.({ block: 'center' });
    element.setAttribute('data-focused', 'true');
    element.animate?.(
      [{ boxShadow: '0 0 0 4px rgba(255, 193, 7, 0.9)' }, { boxShadow: '0 0 0 4px rgba(255, 193, 7, 0)' }],
      { duration: FOCUS_MS, easing: 'ease-in' },
    );
    setTimeout(() => element.scrollIntoView?.({ block: 'center' }), SETTLE_MS);
    setTimeout(() => element.removeAttribute('data-focused'), FOCUS_MS);
  }, [target, shown]);
  return setTarget;
}
