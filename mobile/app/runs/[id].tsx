import { useLocalSearchParams } from 'expo-router';
import { RunView } from '../../src/RunView';
import { Screen, Title } from '../../src/ui';

export default function RunScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  return (
    <Screen label="Run">
      <RunView id={id} header={<Title>Run</Title>} />
    </Screen>
  );
}
