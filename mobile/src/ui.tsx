import { describeError, type LiveStatus } from '@organoise/client';
import type { ReactNode } from 'react';
import { ActivityIndicator, Pressable, StyleSheet, Text, TextInput, useColorScheme, View, type TextInputProps } from 'react-native';

/** Light and dark palettes; the phone's setting picks one. */
export function useTheme() {
  const dark = useColorScheme() === 'dark';
  return dark
    ? { dark, background: '#101418', card: '#1b2128', text: '#eef1f4', muted: '#9aa6b2', primary: '#6ea8fe', onPrimary: '#0b1320', danger: '#ff8a80', border: '#2c3540' }
    : { dark, background: '#f4f6f8', card: '#ffffff', text: '#111418', muted: '#5b6670', primary: '#1f5fbf', onPrimary: '#ffffff', danger: '#b3261e', border: '#d7dde3' };
}

export function Screen({ children, label }: { children: ReactNode; label?: string }) {
  const theme = useTheme();
  return (
    <View style={[styles.screen, { backgroundColor: theme.background }]} accessibilityLabel={label}>
      {children}
    </View>
  );
}

export function Title({ children }: { children: ReactNode }) {
  const theme = useTheme();
  return (
    <Text role="heading" aria-level={1} style={[styles.title, { color: theme.text }]}>
      {children}
    </Text>
  );
}

export function Body({ children, muted, testID }: { children: ReactNode; muted?: boolean; testID?: string }) {
  const theme = useTheme();
  return (
    <Text testID={testID} style={{ color: muted ? theme.muted : theme.text, fontSize: 16, lineHeight: 22 }}>
      {children}
    </Text>
  );
}

export function Button({ title, onPress, disabled, kind = 'primary', hint }: { title: string; onPress(): void; disabled?: boolean; kind?: 'primary' | 'plain'; hint?: string }) {
  const theme = useTheme();
  const primary = kind === 'primary';
  return (
    <Pressable
      role="button"
      accessibilityLabel={title}
      accessibilityHint={hint}
      aria-disabled={!!disabled}
      disabled={disabled}
      onPress={onPress}
      style={({ pressed }) => [styles.button, { backgroundColor: primary ? theme.primary : 'transparent', borderColor: theme.primary, opacity: disabled ? 0.5 : pressed ? 0.8 : 1 }]}
    >
      <Text style={{ color: primary ? theme.onPrimary : theme.primary, fontSize: 16, fontWeight: '600' }}>{title}</Text>
    </Pressable>
  );
}

export function Field({ label, ...props }: TextInputProps & { label: string }) {
  const theme = useTheme();
  return (
    <View style={{ gap: 4 }}>
      <Text style={{ color: theme.muted, fontSize: 14 }}>{label}</Text>
      <TextInput accessibilityLabel={label} placeholderTextColor={theme.muted} style={[styles.input, { color: theme.text, borderColor: theme.border, backgroundColor: theme.card }]} {...props} />
    </View>
  );
}

export function ErrorBanner({ error, message }: { error?: unknown; message?: string }) {
  const theme = useTheme();
  const text = message ?? describeError(error).message;
  return (
    <View role="alert" style={[styles.banner, { borderColor: theme.danger }]}>
      <Text style={{ color: theme.danger, fontSize: 15 }}>{text}</Text>
    </View>
  );
}

export function Loading({ label }: { label: string }) {
  const theme = useTheme();
  return (
    <View style={styles.center} accessibilityLabel={label} role="progressbar">
      <ActivityIndicator color={theme.primary} />
      <Text style={{ color: theme.muted }}>{label}</Text>
    </View>
  );
}

const LIVE_TEXT: Record<LiveStatus, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline: showing what was last seen', failed: 'Live updates stopped' };

/** Whether what the screen shows is live; data-live carries the state for tests and styles. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const theme = useTheme();
  const color = status === 'live' ? '#2e7d32' : status === 'failed' ? theme.danger : theme.muted;
  return (
    // dataSet becomes data-live on the web (react-native-web); React Native's types do not list it.
    <View {...({ dataSet: { live: status } } as object)} testID="live-status" accessibilityLabel={`Live updates: ${LIVE_TEXT[status]}`} style={{ flexDirection: 'row', alignItems: 'center', gap: 6 }}>
      <View style={{ width: 8, height: 8, borderRadius: 4, backgroundColor: color }} />
      <Text style={{ color: theme.muted, fontSize: 13 }}>{LIVE_TEXT[status]}</Text>
    </View>
  );
}

export function Card({ children }: { children: ReactNode }) {
  const theme = useTheme();
  return <View style={[styles.card, { backgroundColor: theme.card, borderColor: theme.border }]}>{children}</View>;
}

const styles = StyleSheet.create({
  screen: { flex: 1, padding: 16, gap: 12 },
  title: { fontSize: 24, fontWeight: '700' },
  button: { paddingVertical: 12, paddingHorizontal: 16, borderRadius: 8, borderWidth: 1, alignItems: 'center', minHeight: 44 },
  input: { borderWidth: 1, borderRadius: 8, paddingHorizontal: 12, paddingVertical: 10, fontSize: 16 },
  banner: { borderWidth: 1, borderRadius: 8, padding: 12 },
  center: { flex: 1, alignItems: 'center', justifyContent: 'center', gap: 8, padding: 24 },
  card: { borderWidth: 1, borderRadius: 10, padding: 14, gap: 6 },
});
