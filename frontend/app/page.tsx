/** The chat page. Rendered per request so the domain key and script URL come from this server's environment. */
import { ChatPage } from "@/components/ChatPage";
import { pageConfig } from "@/lib/server/config";

export const dynamic = "force-dynamic";

export default function Home() {
  return <ChatPage {...pageConfig()} />;
}
