// A run's steps, shared between copies of the run's state until one of them
// changes a step. The writer copies a run's state for every commit (the copy
// is applied, the original kept in case the commit fails), and the store
// keeps another until its group is written. A copy shares every step; a
// change copies only the step it touches (Mutable). Profiles of the write
// load showed copying whole steps, artifacts and sources as 6 % of the
// writer's time.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <vector>

namespace sandbox {

struct Step;

class StepList {
  using Slots = std::vector<std::shared_ptr<Step>>;

 public:
  // Reading goes through const references only: a step is changed through
  // Mutable, which first unshares it.
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Step;
    using difference_type = std::ptrdiff_t;
    using pointer = const Step*;
    using reference = const Step&;
    const_iterator() = default;
    explicit const_iterator(Slots::const_iterator it) : it_(it) {}
    const Step& operator*() const { return **it_; }
    const Step* operator->() const { return it_->get(); }
    const Step& operator[](difference_type n) const { return *it_[n]; }
    const_iterator& operator++() { ++it_; return *this; }
    const_iterator operator++(int) { return const_iterator(it_++); }
    const_iterator& operator--() { --it_; return *this; }
    const_iterator operator--(int) { return const_iterator(it_--); }
    const_iterator& operator+=(difference_type n) { it_ += n; return *this; }
    const_iterator& operator-=(difference_type n) { it_ -= n; return *this; }
    const_iterator operator+(difference_type n) const { return const_iterator(it_ + n); }
    friend const_iterator operator+(difference_type n, const const_iterator& i) { return i + n; }
    const_iterator operator-(difference_type n) const { return const_iterator(it_ - n); }
    difference_type operator-(const const_iterator& o) const { return it_ - o.it_; }
    auto operator<=>(const const_iterator& o) const = default;

   private:
    Slots::const_iterator it_;
  };
  using iterator = const_iterator;
  using value_type = Step;
  using size_type = std::size_t;

  StepList() = default;
  StepList(std::initializer_list<Step> steps);

  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  const Step& operator[](size_t i) const { return *slots_[i]; }
  const Step& back() const { return *slots_.back(); }
  const_iterator begin() const { return const_iterator(slots_.begin()); }
  const_iterator end() const { return const_iterator(slots_.end()); }

  void push_back(Step step);
  // Step i, to change: copied first when another list shares it.
  Step& Mutable(size_t i);
  Step& MutableBack() { return Mutable(slots_.size() - 1); }
  // The steps as plain values (copies).
  std::vector<Step> ToVector() const;

  // Equal when the steps are, shared or not.
  bool operator==(const StepList& other) const;

 private:
  Slots slots_;
};

}  // namespace sandbox
