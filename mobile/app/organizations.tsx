import { router } from 'expo-router';
import { FlatList, Pressable } from 'react-native';
import { useOrganization } from '../src/organization';
import { Body, Card, Screen } from '../src/ui';

/** The organization switcher: the inbox then shows that organization's tasks. */
export default function OrganizationsScreen() {
  const { organizations, current, select } = useOrganization();
  return (
    <Screen label="Organizations">
      <FlatList
        data={organizations}
        keyExtractor={(o) => o.id}
        contentContainerStyle={{ gap: 10 }}
        ListEmptyComponent={<Body muted>You are not a member of any organization yet.</Body>}
        renderItem={({ item }) => (
          <Pressable
            role="radio"
            aria-checked={item.id === current?.id}
            accessibilityLabel={`${item.name}, ${item.viewerRole.toLowerCase()}`}
            onPress={() => {
              select(item.id);
              if (router.canGoBack()) router.back();
              else router.replace('/');
            }}
          >
            <Card>
              <Body>
                {item.id === current?.id ? '● ' : '○ '}
                {item.name}
              </Body>
              <Body muted>{item.viewerRole.toLowerCase()}</Body>
            </Card>
          </Pressable>
        )}
      />
    </Screen>
  );
}
