import { useLocalSearchParams } from 'expo-router';
import { RunView } from '../../src/RunView';
import { Screen } from '../../src/ui';

export default function RunScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  return (
    <Screen label="Run">
      <RunView id={id} />
    </Screen>
  );
}
