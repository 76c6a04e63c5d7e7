import { useEffect, useRef, useState } from 'react';
import { ChatSocket, socketUrl, type ServerEvent, type SocketStatus } from '../api/chat-socket';

/** One socket for the chat page's lifetime; events go to the latest `onEvent`. */
export function useChatSocket(
  token: () => Promise<string>,
  onEvent: (event: ServerEvent) => void,
  onUnauthorized: () => void,
) {
  const handlers = useRef({ token, onEvent, onUnauthorized });
  handlers.current = { token, onEvent, onUnauthorized };
  const [status, setStatus] = useState<SocketStatus>('connecting');
  const socket = useRef<ChatSocket | undefined>(undefined);
  useEffect(() => {
    const created = new ChatSocket({
      url: socketUrl(window.location),
      token: () => handlers.current.token(),
      onEvent: (event) => handlers.current.onEvent(event),
      onStatus: setStatus,
      onUnauthorized: () => handlers.current.onUnauthorized(),
    });
    socket.current = created;
    created.start();
    return () => created.close();
  }, []);
  return { socket, status };
}
