import { AppRoot } from '../src/root';

export default function RootLayout() {
  return <AppRoot />;
}
