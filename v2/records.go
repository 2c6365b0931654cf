package v2

import (
	"encoding/json"
	"fmt"

	"github.com/memharness/memharness/mock/store"
)

// eachRecord decodes every persisted record of kind (assets, tasks,
// streams) into a fresh T and hands it to fn with its id. The first record
// that does not decode stops the walk and is the error, naming the kind and
// the id, so a surface never opens on half of its state.
func eachRecord[T any](st store.Records, kind string, fn func(id string, v *T)) error {
	var bad error
	err := st.EachRecord(kind, func(id string, raw []byte) bool {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			bad = fmt.Errorf("v2: %s record %s: %w", kind, id, err)
			return false
		}
		fn(id, v)
		return true
	})
	if err != nil {
		return err
	}
	return bad
}
